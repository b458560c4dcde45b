#!/bin/sh
# Installs the Debian packages Reference-to-Rig builds and tests with, only those missing.
# Idempotent; uses sudo when not root; on a system without apt it lists the packages and stops.
set -eu

PKGS="cmake make gcc g++ pkg-config libsndfile1-dev libsoxr-dev libebur128-dev libfftw3-dev \
libcjson-dev libcmocka-dev libsqlite3-dev nettle-dev libfaiss-dev libopenblas-dev liblapacke-dev python3-faiss liblilv-dev libmicrohttpd-dev libcurl4-openssl-dev guitarix-lv2 guitarix-common ffmpeg"
# `install-deps.sh test`: also what the browser test needs (it drives Debian's chromium
# from Node with playwright-core, fetched from the npm registry by the test itself)
if [ "${1:-}" = "test" ]; then
  PKGS="$PKGS chromium"
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then PKGS="$PKGS nodejs npm"; fi
fi

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing="$missing $p"
    fi
  done
else
  missing="$PKGS"
fi

if [ -z "$missing" ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: no apt-get on this system; please install the equivalents of:$missing" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; please install:$missing" >&2; exit 1
  fi
fi

echo "install-deps: installing$missing"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
