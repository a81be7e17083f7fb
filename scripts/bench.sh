#!/usr/bin/env bash
# Runs the benchmarks in bench/ (all, or the one named).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "No benchmarks yet: they arrive with the token-server."
