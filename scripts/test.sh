#!/usr/bin/env bash
# Set up (if needed) and run the whole suite: ruff, mypy, import-linter, pytest (offscreen).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1
BIN=.venv/bin
echo "== ruff"; $BIN/ruff check app tests benchmarks scripts packaging build_installer.py
echo "== mypy"; $BIN/mypy app tests
echo "== import-linter"; $BIN/lint-imports
echo "== pytest"
set +e
$BIN/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then echo "pytest: no tests collected"; rc=0; fi
if [ $rc -ne 0 ]; then exit $rc; fi
# Windows behaviour of everything but the GUI, under Wine (scripts/wine_smoke.sh: ~3 min here with
# its downloads cached in build/wine, ~5 min from scratch;
# LockFileEx, GetDriveTypeW, SO_EXCLUSIVEADDRUSE, code page 936 pipes, keyring); skipped when
# only some tests were asked for, with SKIP_WINE_SMOKE=1, or where Wine could not be installed.
if [ $# -eq 0 ] && [ -z "${SKIP_WINE_SMOKE:-}" ] && command -v wine >/dev/null; then
  echo "== wine smoke (Windows, no GUI)"; scripts/wine_smoke.sh
fi
# The program on a real X display (Xvfb 1366×768, Qt's xcb plugin): login typed with xdotool,
# a screenshot of every page in test-artifacts/xvfb/, the window inside the screen (~30-50 s).
if [ $# -eq 0 ] && [ -z "${SKIP_GUI_CHECK:-}" ]; then
  echo "== GUI on a virtual display"; env -u QT_QPA_PLATFORM $BIN/python scripts/gui_check.py
fi
# The installed program: PyInstaller one-folder build + its --self-test (~40 s here), a step of
# its own rather than a pytest test; skipped when only some tests were asked for.
if [ $# -eq 0 ] && [ -z "${SKIP_FROZEN_BUILD:-}" ]; then
  echo "== frozen build + self-test"; $BIN/python build_installer.py --no-package
fi
