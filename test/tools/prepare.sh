#!/usr/bin/env bash
# `npm test` runs this first. It makes sure the tools the suites use are on this machine, installing
# what is missing and can be installed; every step is skipped when already done, so later runs are
# quick. What it cannot install it says in one line, and the suites that need it then fail saying
# so (the MongoDB suites skip instead, unless SSO_REQUIRE_MONGODB=1):
# - Debian's Chromium for the browser test (apt-get, as root), unless CHROMIUM_PATH names one;
# - FerretDB for the MongoDB suites (built with Go), unless MONGODB_URI is set or mongod is on PATH;
# - the Go modules (go-oidc, x/oauth2) of the interop tests, and the pinned Python packages (Authlib)
#   in a virtual environment of their own, test/interop/python/.venv (never the system Python);
# - the Python package's tools (client-sdk/python/.venv: build, ruff, mypy, pytest, pinned in its
#   requirements-dev.txt); its test script makes the fresh environment it tests the wheel in.
# - moto (an S3-compatible server) and cfn-lint for the deploy tests, in test/tools/.venv.
set -uo pipefail
cd "$(dirname "$0")/../.."
note() { printf 'test tools: %s\n' "$*" >&2; }

if [[ -z "${CHROMIUM_PATH:-}" ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    note "installing Debian's chromium for the browser test"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
      note "could not install chromium; the browser test will fail"
  else
    note "no chromium: install Debian's chromium package or set CHROMIUM_PATH; the browser test will fail"
  fi
fi

if [[ -z "${MONGODB_URI:-}" ]] && ! command -v mongod >/dev/null 2>&1; then
  if command -v go >/dev/null 2>&1; then
    bash test/tools/install-ferretdb.sh || note "could not build FerretDB; the MongoDB suites cannot run"
  else
    note "no Go toolchain to build FerretDB: set MONGODB_URI or put mongod on PATH to run the MongoDB suites"
  fi
fi

# mongo-java-server, the second MongoDB wire-protocol server the MongoDB suites run on (npm test's
# second pass): its jars from Maven Central, and their classpath for mongodb-server.ts.
mjs=test/tools/mongo-java-server
if [[ ! -s $mjs/classpath.txt || $mjs/pom.xml -nt $mjs/classpath.txt ]]; then
  if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    (cd "$mjs" && mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=classpath.txt >/dev/null 2>&1) ||
      note "could not fetch mongo-java-server with Maven; its pass of the MongoDB suites cannot run"
  else
    note "no Java 17 and Maven: the mongo-java-server pass of the MongoDB suites cannot run"
  fi
fi

if command -v go >/dev/null 2>&1; then
  (cd test/interop/go && go mod download && go build -o /dev/null .) ||
    note "could not fetch or build the Go interop client; its test will fail"
else
  note "no Go toolchain; the Go interop test will fail"
fi

venv=test/interop/python/.venv
requirements=test/interop/python/requirements.txt
if command -v python3 >/dev/null 2>&1; then
  if [[ ! -x $venv/bin/python ]]; then
    if ! python3 -m venv "$venv" 2>/dev/null && [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      note "installing Debian's python3-venv for the Python interop test"
      rm -rf "$venv"
      { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-venv >/dev/null; } &&
        python3 -m venv "$venv"
    fi
  fi
  if [[ -x $venv/bin/python ]]; then
    if ! "$venv/bin/python" - "$requirements" 2>/dev/null <<'PY'; then
import importlib.metadata as metadata, sys
pins = [line.split('#')[0].strip().split('==') for line in open(sys.argv[1])]
sys.exit(0 if all(metadata.version(name) == version for name, version in (p for p in pins if len(p) == 2)) else 1)
PY
      "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
        note "could not install the Python interop packages; its test will fail"
    fi
  else
    note "could not make a Python virtual environment ($venv); the Python interop test will fail"
  fi
else
  note "no python3; the Python interop test will fail"
fi
if command -v python3 >/dev/null 2>&1; then
  bash client-sdk/python/scripts/venv.sh ||
    note "could not make client-sdk/python/.venv; the Python package's checks will fail"
fi

# The CDK app's own packages (aws-cdk-lib, cdk-nag), for the synth test.
if [[ ! -d deploy/cdk/node_modules/aws-cdk-lib || deploy/cdk/package-lock.json -nt deploy/cdk/node_modules/.package-lock.json ]]; then
  npm ci --prefix deploy/cdk --no-audit --no-fund >/dev/null 2>&1 ||
    note "could not install deploy/cdk's packages; the CDK test will fail"
fi

# The deploy tests' Python tools (moto's S3 server, cfn-lint), pinned in a virtual environment of
# their own, test/tools/.venv.
tools_venv=test/tools/.venv
tools_requirements=test/tools/requirements.txt
if command -v python3 >/dev/null 2>&1; then
  [[ -x $tools_venv/bin/python ]] || python3 -m venv "$tools_venv" 2>/dev/null || rm -rf "$tools_venv"
  if [[ -x $tools_venv/bin/python ]]; then
    if ! "$tools_venv/bin/python" - "$tools_requirements" 2>/dev/null <<'PY'; then
import importlib.metadata as metadata, sys
pins = [line.split('#')[0].strip().split('==') for line in open(sys.argv[1])]
sys.exit(0 if all(metadata.version(name.split('[')[0]) == version for name, version in (p for p in pins if len(p) == 2)) else 1)
PY
      "$tools_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$tools_requirements" ||
        note "could not install moto and cfn-lint; the backup-to-S3 and CDK tests will fail"
    fi
  else
    note "could not make a Python virtual environment ($tools_venv); the backup-to-S3 and CDK tests will fail"
  fi
fi
exit 0
