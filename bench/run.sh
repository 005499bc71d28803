#!/usr/bin/env bash
# make bench: fill a large catalogue into our own PostgreSQL, serve it with
# gunicorn as production does, measure with wrk, write bench/REPORT.md.
# Sizes and durations: see the docstring of bench/run.py (BENCH_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" bench/run.py "$@"
