#!/usr/bin/env bash
# The demos: builds what they run and what the README calls next (tokenctl), then runs the
# WeChat simulator plus one token-server with config/demo.yaml (gRPC 127.0.0.1:50051, HTTP
# 127.0.0.1:8080), or with --cluster a local etcd plus three replicas (ports 50051-50053,
# 8080-8082). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec turbo run build --filter=@wxtoken/token-server... --filter=@wxtoken/tokenctl... --filter=@wxtoken/wechat-sim --filter=@wxtoken/testkit --output-logs=errors-only
exec node scripts/start-demo.mjs "$@"
