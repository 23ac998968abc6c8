#!/usr/bin/env sh
# Refresh requirements.lock: the exact releases, with their hashes, of the app, its `fast`
# extra and its dev tools, resolved from pyproject.toml's ranges for CPython 3.11 on x86_64
# Linux. Pins already in the lock are kept unless asked otherwise:
#   sh scripts/lock.sh                            # after adding or changing a dependency
#   sh scripts/lock.sh --upgrade-package fastapi  # move one package to its newest release
#   sh scripts/lock.sh --upgrade                  # move everything to the newest releases
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
[ -x .venv/bin/uv ] || .venv/bin/python -m pip install --quiet 'uv>=0.13,<0.14'
.venv/bin/uv pip compile pyproject.toml --quiet --extra dev --extra fast --generate-hashes \
  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
  --custom-compile-command "sh scripts/lock.sh" --output-file requirements.lock "$@"
echo "requirements.lock refreshed; install it with: sh scripts/test.sh (or scripts/run.sh)"
