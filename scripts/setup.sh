#!/usr/bin/env bash
# Prepare a fresh machine: system packages Qt needs offscreen, CJK fonts, PDF tools,
# PostgreSQL (hub tests), then a virtualenv with the project and its dev tools.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libnss3 libxcomposite1 libxdamage1 libxrandr2 libxtst6 libasound2
  fonts-wqy-microhei fonts-arphic-uming poppler-utils
  # a real display: Qt 6's xcb platform plugin (ldd on plugins/platforms/libqxcb.so and
  # lib/libQt6XcbQpa.so.6; libxcb-cursor0 is loaded at run time and needed since Qt 6.5)
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xinerama0
  libxcb-xkb1 libx11-xcb1
  # the GUI check in scripts/test.sh: a virtual display, key input, screenshots
  xvfb xdotool imagemagick
  postgresql
  nsis  # makensis: the tests compile the Windows installer script on Linux
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "[setup] apt: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q "${missing[@]}" >/dev/null
  }
fi

# Wine runs the Windows smoke test (scripts/wine_smoke.sh) and the NSIS installer in the tests:
# 64-bit Wine only, without recommends; ZONGZHI_NO_WINE=1 skips it (those steps are then skipped)
if [ -z "${ZONGZHI_NO_WINE:-}" ] && ! command -v wine >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "[setup] apt: wine wine64 (Windows smoke test)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -q --no-install-recommends wine wine64 locales >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q --no-install-recommends wine wine64 locales >/dev/null
  }
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[setup] virtualenv .venv"
  "$PY" -m venv .venv
fi
stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f .setup-stamp ] || [ "$(cat .setup-stamp)" != "$stamp" ]; then
  echo "[setup] pip install -e .[dev]"
  .venv/bin/pip install -q --disable-pip-version-check -e '.[dev]' 2>&1 | grep -v 'is ignored' || true
  .venv/bin/python -c "import app, PySide6, sqlalchemy, reportlab" # fail loudly if the install failed
  echo "$stamp" > .setup-stamp
fi
