#!/usr/bin/env bash
# Builds the Lambda authorizer as a zip: one ES module bundle (esbuild, for the nodejs22.x runtime
# and later) with @sso/client and its dependencies inside. Usage: package.sh [OUT.zip]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$here/dist/sso-authorizer.zip}"
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
"$root/node_modules/.bin/esbuild" "$here/index.ts" --bundle --platform=node --target=node22 \
  --format=esm --outfile="$build/index.mjs" --log-level=warning \
  --banner:js="import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"
mkdir -p "$(dirname "$out")"
rm -f "$out"
(cd "$build" && zip -q -X "$out" index.mjs)
echo "$out"
