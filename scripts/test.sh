#!/usr/bin/env sh
# Run the whole test suite. PostgreSQL tests run when TRUYXUAT_TEST_DATABASE_URL is set
# or a local PostgreSQL answers; browser tests run when Chromium is installed (the
# accessibility test also needs npm, for axe-core), the multi-node test when nginx is, the
# export-label tests when the Chinese font is (as root, the missing packages are installed first).
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  [ -e /usr/lib/x86_64-linux-gnu/libzbar.so.0 ] || ldconfig -p | grep -q libzbar.so.0 || missing="$missing libzbar0"
  command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
  command -v pdftoppm >/dev/null 2>&1 || missing="$missing poppler-utils"
  [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$missing fonts-wqy-microhei"
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
  if [ -n "$missing" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing) >/dev/null \
      || echo "note: could not install$missing; the tests that need them will be skipped"
  fi
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
# The exact releases of requirements.lock (refreshed by scripts/lock.sh), then the app itself.
.venv/bin/python -m pip install --quiet --require-hashes -r requirements.lock
.venv/bin/python -m pip install --quiet --no-deps -e .
.venv/bin/python scripts/lock_check.py
# axe-core for the accessibility test, at the release tests/pages/package-lock.json names.
if command -v npm >/dev/null 2>&1 && [ ! -e tests/pages/node_modules/axe-core/axe.min.js ]; then
  (cd tests/pages && npm ci --no-audit --no-fund --silent) \
    || echo "note: npm could not install axe-core; the accessibility test will install it or fail"
fi
# Bytecode for the app's own modules, once: the environment may set PYTHONDONTWRITEBYTECODE, and
# then every served app, CLI run and worker process the tests start compiles them again (~0.5 s each).
.venv/bin/python -m compileall -q -j 0 registry service labels scanner_client >/dev/null
# The tests write bytecode too: pytest keeps each test module with its asserts rewritten in
# __pycache__ (gitignored) only when bytecode may be written, so with PYTHONDONTWRITEBYTECODE
# every worker rewrote every test module on every run (~4 s of CPU each).
unset PYTHONDONTWRITEBYTECODE
# One worker process per core (pytest-xdist); a worker that runs out of tests takes some of
# the other's. Arguments after these win: `sh scripts/test.sh -n 0` runs in one process.
exec .venv/bin/python -m pytest -n auto --dist worksteal "$@"
