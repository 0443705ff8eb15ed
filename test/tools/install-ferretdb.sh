#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (the MongoDB-compatible server the MongoDB suites use when no MONGODB_URI
# or mongod is available) into $(go env GOPATH)/bin. A plain `go install ...@v1.24.2` builds a binary
# that panics at start ("Invalid build/version/version.txt file content": FerretDB's own build
# generates that file), so build from the module source with the file added. Idempotent.
set -euo pipefail
version=v1.24.2
bin="$(go env GOPATH)/bin/ferretdb"
installed=$("$bin" --version 2>/dev/null || true)
if [[ "$installed" == *"version: $version"* ]]; then
  exit 0
fi
src=$(go mod download -json "github.com/FerretDB/FerretDB@$version" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp -R "$src"/. "$tmp"
chmod -R u+w "$tmp"
echo "$version" >"$tmp/build/version/version.txt"
(cd "$tmp" && go build -buildvcs=false -o "$bin" ./cmd/ferretdb)
installed=$("$bin" --version)
echo "${installed%%$'\n'*}"
