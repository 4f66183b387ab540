#!/usr/bin/env bash
# Cross-compiles this package's addon for s390x on an x86_64 host, into build/s390x/ (the
# s390 box runs it there; an s390x host builds build/Release/ with node-gyp instead). Needs
# s390x-linux-gnu-g++ (Debian's g++-s390x-linux-gnu, which the s390 box installs). The
# Node-API headers are the same on every architecture: the running Node's serve.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/s390x/s390_stck.node
[ -f "$out" ] && [ ! native/stck.cc -nt "$out" ] && exit 0
mkdir -p build/s390x
node_include=$(node -p "require('path').resolve(process.execPath, '..', '..', 'include', 'node')")
s390x-linux-gnu-g++ -std=c++17 -O2 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -DNAPI_VERSION=8 \
  -DNAPI_CPP_EXCEPTIONS -I"$node_include" -I"$(node -p "require('node-addon-api').include_dir")" \
  -o "$out" native/stck.cc
