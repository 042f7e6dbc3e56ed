#!/usr/bin/env bash
# Checks the system programs Pantau needs (Python 3.11+, Java 17+, Maven; the PostgreSQL server
# and psql for the serving database; Chromium and ChromeDriver for the serving tests) and installs the missing ones from Debian's packages when it
# can (as root with apt-get); otherwise it says how.
set -euo pipefail

missing=()
python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || missing+=(python3 python3-venv)
java_major=$( { java -version 2>&1 || true; } | sed -nE 's/.*version "([0-9]+).*/\1/p' | head -n1)
if [ -z "${JAVA_HOME:-}" ] && { [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; }; then
  missing+=(openjdk-17-jre-headless)
fi
command -v mvn >/dev/null 2>&1 || missing+=(maven)
# the serving database (`pantau stack up` starts a local cluster) and psql, which also creates
# its roles; headless Chromium for the dashboard's tests
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
  || missing+=(postgresql)
command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
else
  echo "Pantau needs: ${missing[*]}." >&2
  echo "Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}) and run again." >&2
  exit 1
fi
