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
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Digital Links printed and redirected to point at this server unless told otherwise.
export TRUYXUAT_BASE_URL="${TRUYXUAT_BASE_URL:-http://$HOST:$PORT}"
exec .venv/bin/truyxuat serve --host "$HOST" --port "$PORT"
