#!/usr/bin/env bash
# Fails if proto/ breaks the API of another git ref (default: main), per buf's FILE rules.
# Usage: pnpm breaking [REF]
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
ref="${1:-main}"
if ! git cat-file -e "${ref}:proto/buf.yaml" 2>/dev/null; then
  echo "check-breaking: ${ref} has no proto/buf.yaml yet; nothing to compare against."
  exit 0
fi
exec packages/api/node_modules/.bin/buf breaking proto --against ".git#ref=${ref},subdir=proto"
