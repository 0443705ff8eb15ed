#!/usr/bin/env bash
# Makes (or updates) the tools' virtual environment .venv from requirements-dev.txt, never touching
# the system Python; a no-op when every pin is installed already. Debian without python3-venv gets
# it from apt when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      rm -rf .venv
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
      "$python" -m venv .venv
    else
      echo "sso-client (python): cannot make a virtual environment: install python3-venv" >&2
      exit 1
    fi
  fi
fi
if ! .venv/bin/python - requirements-dev.txt 2>/dev/null <<'PY'; then
import importlib.metadata as metadata, sys
pins = [line.split('#')[0].strip().split('==') for line in open(sys.argv[1])]
sys.exit(0 if all(metadata.version(n) == v for n, v in (p for p in pins if len(p) == 2)) else 1)
PY
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
fi
