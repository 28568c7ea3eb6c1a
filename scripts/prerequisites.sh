#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, and says what it did. It is idempotent: what is
# already there is left alone. Tests start their own PostgreSQL from the machine's server
# binaries; the simulator's conformance tests run real Discord clients (discord.py from
# Debian, discord.js from npm) and its playground test drives headless Chromium. None of
# this is needed by `make run`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jsbot="$root/libs/discordsim/conformance/testdata/jsbot"
jspeer="$root/services/novera/bench/peers/discordjs"
is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }

# apt_install PACKAGE... installs Debian packages (as root), running apt-get update once.
apt_updated=
apt_install() {
  if ! is_root; then
    echo "prerequisites: missing Debian packages: $*; install them as root (apt-get install $*)" >&2
    exit 1
  fi
  echo "prerequisites: installing $* (apt-get install)"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

have_postgres() { compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; }
# discord.py must be importable by Debian's own interpreter, which is what the tests run.
have_discord_py() { /usr/bin/python3 -c 'import discord, yarl' >/dev/null 2>&1; }

missing=()
have_postgres || missing+=(postgresql)
have_discord_py || missing+=(python3-discord)
# The benchmark's discord.py peer keeps its headpats in PostgreSQL through asyncpg.
/usr/bin/python3 -c 'import asyncpg' >/dev/null 2>&1 || missing+=(python3-asyncpg)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
# Node.js may come from elsewhere (with its own npm); only a machine with neither gets Debian's.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi

if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  echo "prerequisites: PostgreSQL refuses to run as root and there is no 'postgres' user" >&2
  exit 1
fi

# The discord.js test bot's dependencies, exactly as locked in package-lock.json.
if [ ! -d "$jsbot/node_modules/discord.js" ]; then
  echo "prerequisites: installing discord.js for the conformance tests (npm ci in ${jsbot#"$root"/})"
  (cd "$jsbot" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
# The benchmark's discord.js peer (discord.js and pg). The stamp is the lockfile's hash, which
# the peers package compares to decide whether node_modules is current.
jspeer_lock="$(sha256sum "$jspeer/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$jspeer/node_modules/.lock-sha256" 2>/dev/null)" != "$jspeer_lock" ]; then
  echo "prerequisites: installing the discord.js benchmark peer's packages (npm ci in ${jspeer#"$root"/})"
  (cd "$jspeer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  printf '%s' "$jspeer_lock" >"$jspeer/node_modules/.lock-sha256"
fi

# Jaeger for the trace test, built once per machine from the Go module proxy (a few minutes
# the first time), so the test itself never waits on a build.
bash "$root/scripts/jaeger.sh" >/dev/null
