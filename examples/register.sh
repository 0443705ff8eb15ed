#!/usr/bin/env bash
# Registers what the examples need at SSO with the sso CLI: the Orders API (scopes orders:read and
# orders:write) and two confidential clients, the web app (example-web) and the worker
# (example-worker). Writes their ids and secrets to examples/.env (mode 600), which the examples
# load with `node --env-file=examples/.env …`.
#
# Safe to run again: the API is registered once and kept; the two example clients are removed and
# registered afresh, so each run issues new secrets (the old ones stop working: restart the examples)
# and picks up changed URLs. Nothing else in the store is touched. Secrets are written to the .env
# file only, never printed.
#
# Settings (environment variables, defaults in brackets):
#   SSO_ISSUER           where SSO is reached [http://localhost:3000]
#   WEB_APP_URL          the web app's public URL [http://localhost:4000]
#   ORDERS_API_URL       where the Orders API listens [http://localhost:4001]
#   ORDERS_API_AUDIENCE  the API's audience, a name its tokens carry [https://api.example.com/orders]
#   EXAMPLES_ENV_FILE    the file to write [examples/.env]
#   SSO_DATA_DIR, MONGODB_URI: the store, as for the server (the CLI writes where the server reads;
#   a relative SSO_DATA_DIR is relative to the repository root, like `npm start`'s).
set -euo pipefail
shopt -s inherit_errexit

readonly WEB_CLIENT_ID=example-web
readonly WORKER_CLIENT_ID=example-worker
readonly ORDERS_SCOPES='orders:read orders:write'

sso_issuer=${SSO_ISSUER:-http://localhost:3000}
web_app_url=${WEB_APP_URL:-http://localhost:4000}
web_app_url=${web_app_url%/}
orders_api_url=${ORDERS_API_URL:-http://localhost:4001}
orders_api_url=${orders_api_url%/}
orders_audience=${ORDERS_API_AUDIENCE:-https://api.example.com/orders}
env_file=${EXAMPLES_ENV_FILE:-}

fail() {
  printf 'register.sh: %s\n' "$*" >&2
  exit 1
}

# The sso CLI via npm, which runs it on the project's pinned Node from the repository root.
sso() {
  npm run --silent sso -- "$@"
}

# Runs the JavaScript function body $1 over the JSON on stdin (`data`) and the remaining arguments
# (`args`), and prints what it returns: JSON handling without jq (any Node version will do).
json() {
  node -e '
    const data = JSON.parse(require("fs").readFileSync(0, "utf8"));
    const result = new Function("data", "args", process.argv[1])(data, process.argv.slice(2));
    process.stdout.write(result === undefined ? "" : String(result));
  ' "$@"
}

# Checked enough to be written to the .env file as they are; the CLI checks the rest.
for setting in "$sso_issuer" "$web_app_url" "$orders_api_url" "$orders_audience"; do
  if [[ ! $setting =~ ^[a-z][a-z0-9+.-]*: || $setting == *[[:space:]\"\'\#\\]* ]]; then
    fail "\"$setting\" is not a URL (check SSO_ISSUER, WEB_APP_URL, ORDERS_API_URL and ORDERS_API_AUDIENCE)"
  fi
done

for tool in npm node; do
  command -v "$tool" >/dev/null || fail "$tool is not on PATH"
done

# The .env path is relative to where the script was started; everything else runs from the root.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -z $env_file ]]; then
  env_file=$root/examples/.env
elif [[ $env_file != /* ]]; then
  env_file=$PWD/$env_file
fi
[[ -d $(dirname "$env_file") ]] || fail "the directory of $env_file does not exist"
cd "$root"

apis=$(sso apis list --json) || fail "cannot read the SSO store (same SSO_DATA_DIR / MONGODB_URI as the server?)"
clients=$(sso clients list --json) || fail "cannot read the clients from the SSO store"

# The API: registered once, then kept as long as it has the scopes the examples use.
scopes=$(printf '%s' "$apis" | json '
  const api = data.find((candidate) => candidate.audience === args[0]);
  return api ? api.scopes.join(" ") : "-";
' "$orders_audience")
if [[ $scopes == - ]]; then
  sso apis add "$orders_audience" --name 'Orders API (example)' --scope "$ORDERS_SCOPES" --json >/dev/null ||
    fail "could not register the API $orders_audience"
  echo "API $orders_audience: registered with scopes $ORDERS_SCOPES."
else
  for scope in $ORDERS_SCOPES; do
    [[ " $scopes " == *" $scope "* ]] ||
      fail "the API $orders_audience is registered without the scope $scope; remove it (npm run sso -- apis remove $orders_audience) or set ORDERS_API_AUDIENCE to another audience"
  done
  echo "API $orders_audience: already registered, kept."
fi

# Prints "yes" if client $1 is registered already (it is then replaced), else nothing.
already_registered() {
  printf '%s' "$clients" | json 'return data.some((c) => c.clientId === args[0]) ? "yes" : ""' "$1"
}

# Registers client $1 with the remaining arguments as options, removing an earlier registration
# first; prints its secret (to be captured, never shown).
register_client() {
  local id=$1 created
  shift
  if [[ -n $(already_registered "$id") ]]; then
    sso clients remove "$id" --json >/dev/null || fail "could not remove the old client $id"
  fi
  created=$(sso clients add --id "$id" --confidential "$@" --json) || fail "could not register the client $id"
  printf '%s' "$created" | json 'if (!data.clientSecret) process.exit(1); return data.clientSecret' ||
    fail "no client secret in the CLI's answer for $id"
}

again=$(already_registered "$WEB_CLIENT_ID")
web_secret=$(register_client "$WEB_CLIENT_ID" --name 'Example web app' --first-party \
  --redirect-uri "$web_app_url/callback" --post-logout-redirect-uri "$web_app_url/")
echo "Client $WEB_CLIENT_ID (the web app): registered ${again:+afresh }with redirect URI $web_app_url/callback."

again=$(already_registered "$WORKER_CLIENT_ID")
worker_secret=$(register_client "$WORKER_CLIENT_ID" --name 'Example worker' \
  --grant client_credentials --api "$orders_audience")
echo "Client $WORKER_CLIENT_ID (the worker): registered ${again:+afresh }for the API $orders_audience."

[[ -n $web_secret && -n $worker_secret ]] || fail "the CLI answered without a client secret"
session_secret=$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')

# Written next to the target (private from the start: mktemp creates mode 600), then moved over it.
tmp=$(mktemp "$env_file.XXXXXX")
trap 'rm -f "$tmp"' EXIT
{
  echo "# Written by examples/register.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ). It holds client secrets:"
  echo '# keep it private, never commit it. Run the script again to start over.'
  echo "SSO_ISSUER=$sso_issuer"
  echo "WEB_APP_URL=$web_app_url"
  echo "ORDERS_API_URL=$orders_api_url"
  echo "ORDERS_API_AUDIENCE=$orders_audience"
  echo "WEB_CLIENT_ID=$WEB_CLIENT_ID"
  echo "WEB_CLIENT_SECRET=$web_secret"
  echo "WEB_SESSION_SECRET=$session_secret"
  echo "WORKER_CLIENT_ID=$WORKER_CLIENT_ID"
  echo "WORKER_CLIENT_SECRET=$worker_secret"
} >"$tmp"
chmod 600 "$tmp"
mv -f "$tmp" "$env_file"
trap - EXIT
echo "Wrote $env_file (mode 600): the client ids and secrets. Restart examples that are running."
