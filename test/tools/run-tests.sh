#!/usr/bin/env bash
# `npm test`: prepares the tools the suites use (prepare.sh), then runs them.
# - Without arguments, every suite, under c8: coverage of the service's code (provider/, adapters/,
#   interactions/, client-sdk/node/src/), child processes included (the CLI, SSO instances and the TLS
#   proxy inherit NODE_V8_COVERAGE), checked against the thresholds in .c8rc.json; then the MongoDB
#   suites again on mongo-java-server (npm run test:mongo-java-server); then the Python package's
#   checks (npm run test:python: ruff, mypy --strict, and its pytest suite against a real SSO, run
#   from the built wheel in a fresh virtual environment).
# - With arguments (jest's own: paths, -t NAME, …), only those suites, without coverage.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/tools/prepare.sh
jest=(node --experimental-vm-modules --expose-gc node_modules/jest/bin/jest.js)
if [[ $# -gt 0 ]]; then
  exec "${jest[@]}" "$@"
fi
node_modules/.bin/c8 --check-coverage "${jest[@]}"
npm run --silent test:mongo-java-server
npm run --silent test:python
