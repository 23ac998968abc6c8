#!/usr/bin/env sh
# Set up and serve truyxuat with the embedded SQLite database and the demo data.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
# The Chinese font of export labels (Debian's fonts-wqy-microhei), installed when run as root.
if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] && [ "$(id -u)" = 0 ] \
  && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei) \
    >/dev/null || echo "note: could not install fonts-wqy-microhei; export labels will be refused"
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The exact releases of requirements.lock (refreshed by scripts/lock.sh), then the app itself.
.venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
.venv/bin/python -m pip install --quiet --no-deps -e .
.venv/bin/python scripts/lock_check.py
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"
# Digital Links printed and redirected to point at this server unless told otherwise.
# The demo runs with the published development secret key unless one is given.
export TRUYXUAT_ENV="${TRUYXUAT_ENV:-development}"
export TRUYXUAT_BASE_URL="${TRUYXUAT_BASE_URL:-http://$HOST:$PORT}"
.venv/bin/truyxuat db upgrade
# Prints one Digital Link per verdict (genuine, recalled, void, suspicious…) of the demo data.
.venv/bin/truyxuat demo load
exec .venv/bin/truyxuat serve --host "$HOST" --port "$PORT"
