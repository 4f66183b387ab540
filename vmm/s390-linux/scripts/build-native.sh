#!/usr/bin/env bash
# Cross-compiles the s390 Linux VMM's addon (native/*.cc) for s390x into build/s390x/s390_linux.node,
# against the official s390x Node's headers (.cache/s390x/, fetched by the repository's
# scripts/s390x-cross.sh) and node-addon-api. Rebuilds only when a source is newer than the
# addon. Run from anywhere; the s390 box runs it (npm run build:s390x) before it packs the box.
set -euo pipefail
pkg=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$pkg/../.." && pwd)
out="$pkg/build/s390x/s390_linux.node"
cd "$root"
. scripts/s390x-cross.sh
newer=$(find "$pkg/native" "$pkg/scripts/build-native.sh" -newer "$out" -print -quit 2>/dev/null || true)
if [ -f "$out" ] && [ -z "$newer" ]; then exit 0; fi
s390x_tools s390-linux >&2
s390x_fetch_node s390-linux >&2
mkdir -p "$pkg/build/s390x"
echo "s390-linux: cross-compiling the VMM's addon ($out)" >&2
s390x-linux-gnu-g++ -std=c++17 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -DNAPI_VERSION=8 \
  -DNAPI_CPP_EXCEPTIONS -I"$s390x_cache/package/include/node" -I"$(node -p "require('node-addon-api').include_dir")" \
  -o "$out.tmp" "$pkg"/native/*.cc
mv "$out.tmp" "$out"
