#!/usr/bin/env bash
# The Python package's checks, as CI runs them (npm test runs this too; `npm run test:python`):
# 1. the tools' virtual environment .venv (requirements-dev.txt, pinned; made once, updated when the
#    pins change) — never the system Python;
# 2. the wheel built from this directory (hatchling, no network: --no-isolation);
# 3. a fresh virtual environment (build/test-venv, remade every run) with that wheel and the pinned
#    requirements-test.txt;
# 4. ruff (lint and format), mypy --strict on the package, its examples and tests, and pytest from
#    the fresh environment against a real SSO the suite starts itself (tests/conftest.py).
# Extra arguments go to pytest (e.g. -k rotation).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
step() { printf '\n== sso-client (python): %s\n' "$*" >&2; }

bash scripts/venv.sh

step "build the wheel"
rm -rf build/test-dist
.venv/bin/python -m build --wheel --no-isolation --outdir build/test-dist . >/dev/null
wheel=$(ls build/test-dist/sso_client-*.whl)

step "a fresh virtual environment with $(basename "$wheel")"
"$python" -m venv --clear build/test-venv
build/test-venv/bin/python -m pip install --quiet --disable-pip-version-check \
  -r requirements-test.txt "$wheel"

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy --strict"
.venv/bin/mypy --strict

step "pytest (a real SSO, the package from the wheel)"
# The pytest script (not python -m pytest) leaves the working directory off sys.path, so
# `import sso_client` finds the wheel, not src/ (tests/test_package.py checks).
build/test-venv/bin/pytest -p no:cacheprovider "$@"
