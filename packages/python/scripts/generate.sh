#!/usr/bin/env bash
# Generates the wxtoken package's gRPC stubs from ../../proto with Debian's grpc_tools
# (python3-grpc-tools): wxtoken/v1/*.proto into src/wxtoken/v1, and google/rpc/status.proto
# (the error details) into src/wxtoken/_rpc. Run by `pnpm generate`; CI fails if the
# committed stubs differ, so the output depends only on the protos and the tool versions.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
proto_root="$(cd "$here/../../proto" && pwd)"
python="${PYTHON:-/usr/bin/python3}"

if ! "$python" -c 'import grpc_tools.protoc' 2>/dev/null; then
  echo "generate.sh: $python cannot import grpc_tools: install Debian's python3-grpc-tools" \
    "(apt-get install python3-grpc-tools)" >&2
  exit 1
fi

# google/protobuf/*.proto (Timestamp, Duration, Any): in grpc_tools' _proto directory, or
# in /usr/include where Debian's packaging puts them.
well_known=$(
  "$python" - <<'PY'
import importlib.resources
import os

candidates = [str(importlib.resources.files("grpc_tools") / "_proto"), "/usr/include"]
timestamp = os.path.join("google", "protobuf", "timestamp.proto")
found = [c for c in candidates if os.path.isfile(os.path.join(c, timestamp))]
print(found[0] if found else "")
PY
)
if [ -z "$well_known" ]; then
  echo "generate.sh: google/protobuf/timestamp.proto is neither in grpc_tools' _proto directory" \
    "nor in /usr/include: install Debian's libprotobuf-dev" >&2
  exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(
  cd "$proto_root"
  # Sorted, so that the order of the inputs never changes the output.
  mapfile -t protos < <(LC_ALL=C ls wxtoken/v1/*.proto)
  "$python" -m grpc_tools.protoc -I . -I "$well_known" \
    --python_out="$work" --grpc_python_out="$work" \
    "${protos[@]}" google/rpc/status.proto
)

header="# Generated from proto/ by packages/python/scripts/generate.sh (pnpm generate). Do not edit."
write_package() {
  local from="$1" to="$2"
  rm -rf "$to"
  mkdir -p "$to"
  cp "$from"/*.py "$to"/
  printf '%s\n' "$header" >"$to/__init__.py"
}
write_package "$work/wxtoken/v1" "$here/src/wxtoken/v1"
# status_pb2 keeps its proto name (google/rpc/status.proto) but lives inside this package,
# so that it never shadows another distribution's google.rpc; it has no services.
rm -f "$work/google/rpc/status_pb2_grpc.py"
write_package "$work/google/rpc" "$here/src/wxtoken/_rpc"
echo "generate.sh: stubs written to src/wxtoken/v1 and src/wxtoken/_rpc"
