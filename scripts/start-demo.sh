#!/usr/bin/env bash
# The demo: the WeChat simulator plus one token-server with config/demo.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d apps/token-server ]; then
  echo "The demo needs apps/token-server and apps/wechat-sim, which are not built yet."
  echo "What exists today: the API contract (proto/), its generated code (packages/api) and the test kit."
  exit 0
fi
