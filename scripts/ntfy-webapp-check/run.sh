#!/usr/bin/env bash
# Checks ntfy's own web app against this checkout's Herald, in a real (headless) browser.
# Downloads and builds ntfy's web app and playwright-core into a scratch directory at run time;
# nothing is added to Herald's repository or node_modules. Not part of `npm test`.
# See README.md next to this file.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/ntfy-webapp-check}
NTFY_REPO=${NTFY_REPO:-https://github.com/binwiederhier/ntfy.git}
NTFY_REF=${NTFY_REF:-v2.13.0}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
HERALD_PORT=${HERALD_PORT:-18080}
APP_PORT=${APP_PORT:-18090}
export CHROMIUM

[ -x "$CHROMIUM" ] || { echo "no browser at $CHROMIUM (apt-get install chromium, or set CHROMIUM)" >&2; exit 2; }
[ -f "$REPO/dist/src/main.js" ] || (cd "$REPO" && npm run build)
mkdir -p "$WORK"

# 1. ntfy's web app, built once per WORK directory.
if [ ! -f "$WORK/ntfy/web/build/index.html" ]; then
  rm -rf "$WORK/ntfy"
  git -c advice.detachedHead=false clone --quiet --depth 1 --branch "$NTFY_REF" "$NTFY_REPO" "$WORK/ntfy"
  (cd "$WORK/ntfy/web" && npm install --no-audit --no-fund --loglevel=error && npm run build)
  rm -f "$WORK/ntfy/web/build/config.js" # the server's /config.js is the one that counts
fi

# 2. The browser driver, outside Herald's package.json.
if [ ! -d "$WORK/driver/node_modules/playwright-core" ]; then
  mkdir -p "$WORK/driver"
  (cd "$WORK/driver" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error playwright-core)
fi
cp "$HERE/check.mjs" "$HERE/proxy.mjs" "$WORK/driver/"

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

herald() { node "$REPO/bin/herald.js" "$@"; }

# 3. One run: a fresh Herald with the given extra config, the proxy, the browser check.
run() {
  local name=$1 extra=$2 app_root=$3 mode=$4
  local dir="$WORK/runs/$name"
  rm -rf "$dir" && mkdir -p "$dir/data"
  cat > "$dir/herald.yml" <<EOF
listen-http: "127.0.0.1:$HERALD_PORT"
cache-file: $dir/data/cache.db
database-file: $dir/data/herald.db
queue-file: $dir/data/queue.db
auth-file: $dir/data/auth.db
attachment-cache-dir: $dir/data/attachments
enable-login: true
enable-signup: true
enable-reservations: true
$extra
EOF
  local c="--config $dir/herald.yml"
  herald tier add $c --name Pro --message-limit 10000 --reservation-limit 3 --attachment-total-size-limit 100M pro >/dev/null 2>&1
  HERALD_PASSWORD=secret1 herald user add $c phil >/dev/null
  HERALD_PASSWORD=secret2 herald user add $c free >/dev/null
  herald user change-tier $c phil pro >/dev/null
  node "$REPO/bin/herald.js" serve $c > "$dir/herald.log" 2>&1 & local hpid=$!
  PIDS+=("$hpid")
  for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$HERALD_PORT/v1/health" && break; sleep 0.5; done
  kill -0 "$hpid" 2>/dev/null || { echo "herald did not start, see $dir/herald.log" >&2; return 1; }
  node "$WORK/driver/proxy.mjs" "$WORK/ntfy/web/build" "$APP_PORT" "http://127.0.0.1:$HERALD_PORT" > "$dir/proxy.log" 2>&1 & local ppid=$!
  PIDS+=("$ppid")
  for _ in $(seq 1 20); do curl -sf -o /dev/null "http://127.0.0.1:$APP_PORT/config.js" && break; sleep 0.25; done
  echo "== $name"
  local rc=0
  (cd "$WORK/driver" && APP_ROOT=$app_root MODE=$mode node check.mjs "http://127.0.0.1:$APP_PORT" "$dir/shots") || rc=$?
  kill "$ppid" "$hpid" 2>/dev/null || true
  wait "$ppid" "$hpid" 2>/dev/null || true
  echo "   screenshots: $dir/shots"
  return $rc
}

status=0
run web-root-slash "auth-default-access: read-write" / full || status=1
run web-root-app "auth-default-access: read-write
web-root: /app" /app full || status=1
run deny-all "auth-default-access: deny-all" / deny-all || status=1
exit $status
