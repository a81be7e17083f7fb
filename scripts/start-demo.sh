#!/usr/bin/env bash
# The demo: builds what is needed, then runs the WeChat simulator plus one token-server
# with config/demo.yaml (gRPC 127.0.0.1:50051, HTTP 127.0.0.1:8080). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec turbo run build --filter=@wxtoken/token-server... --filter=@wxtoken/wechat-sim --output-logs=errors-only
exec node scripts/start-demo.mjs
