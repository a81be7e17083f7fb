#!/usr/bin/env bash
# `pnpm bench [name]`: builds what the benchmarks need, then runs all of them or one.
set -euo pipefail
cd "$(dirname "$0")/.."
pnpm exec turbo run build --filter=@wxtoken/bench... --output-logs=errors-only
exec node bench/dist/main.js "$@"
