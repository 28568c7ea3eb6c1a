#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, and says what it did. Tests start their own
# PostgreSQL from the machine's server binaries, so those must be present.
set -euo pipefail

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }

if ! have_postgres; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "prerequisites: installing PostgreSQL server binaries (apt-get install postgresql)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "prerequisites: PostgreSQL server binaries (initdb, pg_ctl) are missing; install the postgresql package" >&2
    exit 1
  fi
fi
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "prerequisites: PostgreSQL refuses to run as root and there is no 'postgres' user" >&2
  exit 1
fi
