#!/usr/bin/env bash
# Generates the Python stubs of wxtoken.v1 (and google.rpc.Status, for error details) from
# ../../proto into gen/ with grpc_tools.protoc. Python: $PYTHON, else Debian's /usr/bin/python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
proto_root="$here/../../proto"
python="${PYTHON:-/usr/bin/python3}"

if ! "$python" -c 'import grpc_tools.protoc' 2>/dev/null; then
  echo "generate.sh: $python cannot import grpc_tools: install Debian's python3-grpc-tools" \
    "(apt-get install python3-grpc-tools), or grpcio-tools with pip" >&2
  exit 1
fi

# google/protobuf/*.proto (Timestamp, Duration, Any): grpc_tools ships them in its _proto
# directory, but not every packaging does; libprotobuf-dev puts them in /usr/include.
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

# Generate beside gen/, then swap, so that a failed run leaves the previous stubs intact.
out="$here/gen"
rm -rf "$out.new"
mkdir -p "$out.new"
(
  cd "$proto_root"
  "$python" -m grpc_tools.protoc -I . -I "$well_known" \
    --python_out="$out.new" --grpc_python_out="$out.new" \
    wxtoken/v1/*.proto google/rpc/status.proto
)
rm -rf "$out"
mv "$out.new" "$out"
echo "generate.sh: stubs written to $out"
