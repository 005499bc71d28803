#!/usr/bin/env bash
# make chaos: faults under load (Redis and PostgreSQL outages, a Celery worker
# killed while sending e-mails), measured; figures go to bench/REPORT.md.
# Options: see the docstring of bench/chaos.py (CHAOS_* and BENCH_* variables).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
exec "$PY" bench/chaos.py "$@"
