#!/usr/bin/env bash
# Installs what Vetted needs on Debian 12, as root or as a user with sudo.
#   scripts/setup.sh              ffmpeg, PostgreSQL and Redis from Debian, then the npm packages.
#                                 Nothing is started or configured: with no DATABASE_URL/REDIS_URL,
#                                 `npm start` runs its own PostgreSQL and Redis in DATA_DIR.
#   scripts/setup.sh --for-tests  also what the test suite drives (Chromium, openssl, nginx, wrk,
#                                 yt-dlp, Ceph's object gateway), and the machine's own PostgreSQL and
#                                 Redis, which the tests use: started if down, and PostgreSQL's
#                                 `postgres` account let in without a password from this machine
#                                 (127.0.0.1 and ::1 only) — for a development or CI machine.
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

missing=()
need() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' || missing+=("$1"); }
for p in ffmpeg postgresql redis-server; do need "$p"; done
if $for_tests; then for p in chromium openssl nginx wrk yt-dlp; do need "$p"; done; fi
export DEBIAN_FRONTEND=noninteractive
updated=false
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  as_root apt-get update -qq && updated=true
  as_root apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if $for_tests; then
  # The S3 tests run against Ceph's object gateway (one monitor, one in-memory OSD, radosgw on loopback).
  ceph=()
  for p in ceph-mon ceph-osd radosgw; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || ceph+=("$p"); done
  if [ ${#ceph[@]} -gt 0 ]; then
    echo "Installing: ${ceph[*]}"
    $updated || as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${ceph[@]}" >/dev/null
  fi
fi

npm ci --no-audit --no-fund

$for_tests || exit 0

# The machine's PostgreSQL (Debian's cluster; a container has no init to start it).
cluster="$(pg_lsclusters --no-header | awk 'NR==1 {print $1" "$2}')"
if [ -z "$cluster" ]; then
  echo "No PostgreSQL cluster found (pg_lsclusters)." >&2
  exit 1
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "Starting PostgreSQL ($cluster)"
  # shellcheck disable=SC2086
  as_root pg_ctlcluster --skip-systemctl-redirect $cluster start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
# The tests connect as postgres@127.0.0.1 without a password; Debian's default asks for one.
if ! psql -h 127.0.0.1 -U postgres -w -tAc 'SELECT 1' >/dev/null 2>&1; then
  hba="$(as_postgres psql -tAc 'SHOW hba_file')"
  echo "Letting the postgres account in from 127.0.0.1 and ::1 without a password ($hba)"
  as_root sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  as_postgres psql -qtAc 'SELECT pg_reload_conf()' >/dev/null
fi
psql -h 127.0.0.1 -U postgres -w -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -w -qc 'CREATE DATABASE test'

# The machine's Redis.
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis"
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/tests.log
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 1; done
fi
