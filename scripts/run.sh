#!/usr/bin/env sh
# Set up and serve truyxuat with the embedded SQLite database and the demo data.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[fast]"
.venv/bin/truyxuat db upgrade
.venv/bin/truyxuat demo load
exec .venv/bin/truyxuat serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
