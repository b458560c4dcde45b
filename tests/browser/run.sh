#!/bin/sh
# CTest driver of the browser test: a library from ../shared, a take, `r2r serve` on a
# free port, then e2e.mjs in Debian's chromium. Skips (77) when chromium, node or the
# shared data are missing, except under CI=true, where that is a failure.
# usage: run.sh BUILD_DIR SOURCE_DIR SHARED_DIR
set -eu
BUILD=$1 SRC=$2 SHARED=$3
need() {
  if [ "${CI:-}" = "true" ]; then echo "test_browser: $1 (required under CI)" >&2; exit 1; fi
  echo "[ SKIP ] test_browser: $1"; exit 77
}
[ -x /usr/bin/chromium ] || need "Debian's chromium is not installed (scripts/install-deps.sh installs it)"
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need "node and npm are missing"
[ -d "$SHARED/data/captures" ] || need "no shared data at $SHARED"
W="$BUILD/browser-test"
mkdir -p "$W"
if [ ! -d "$W/node_modules/playwright-core" ]; then
  (cd "$W" && npm install --no-audit --no-fund --loglevel=error playwright-core@1 >npm.log 2>&1) || { cat "$W/npm.log" >&2; exit 1; }
fi
cp "$SRC/tests/browser/e2e.mjs" "$W/e2e.mjs"
rm -rf "$W/lib" "$W/data"
mkdir -p "$W/lib/nam_models" "$W/lib/cab_irs"
ln -s "$SHARED/data/captures/jcm.nam" "$SHARED/data/captures/deluxe.nam" "$W/lib/nam_models/"
ln -s "$SHARED/data/irs/celestion.wav" "$SHARED/data/irs/mesa.wav" "$W/lib/cab_irs/"
"$BUILD/r2r" index build "$W/lib" >/dev/null 2>&1
"$BUILD/r2r" nam render "$SHARED/data/captures/jcm.nam" "$SHARED/data/di/jazz_hop-guitar.wav" "$W/take.wav" >/dev/null
: >"$W/serve.log" # exists before the background job opens it: the polling below reads it at once
"$BUILD/r2r" serve --library "$W/lib" --data "$W/data" --port 0 --web "$SRC/web" >>"$W/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 100); do
  URL=$(sed -n 's/^r2r serve: \(http:[^ ]*\).*/\1/p' "$W/serve.log")
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { cat "$W/serve.log" >&2; exit 1; }
node "$W/e2e.mjs" "$URL" "$W/take.wav" "$BUILD/browser-e2e.png" "$SHARED/data/di/jazz_hop-guitar.wav"
