#!/usr/bin/env bash
# Set up (if needed) and run the whole suite: ruff, mypy, import-linter, pytest (offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
BIN=.venv/bin
echo "== ruff"; $BIN/ruff check app tests benchmarks scripts
echo "== mypy"; $BIN/mypy app tests
echo "== import-linter"; $BIN/lint-imports
echo "== pytest"
set +e
$BIN/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then echo "pytest: no tests collected"; exit 0; fi
exit $rc
