#!/bin/sh
# schemathesis with GS1's EPCIS 2.0 OpenAPI document against the served app over
# PostgreSQL (tests/events/test_epcis_openapi.py; the suite runs it over SQLite only, for
# issue 17's time budget). PostgreSQL at 127.0.0.1:5432 as for the suite.
set -eu
cd "$(dirname "$0")/.."
TRUYXUAT_SCHEMATHESIS_POSTGRESQL=1 PYTHONPATH="$PWD" exec .venv/bin/python -m pytest \
    -p no:cacheprovider -q -s tests/events/test_epcis_openapi.py -k postgresql "$@"
