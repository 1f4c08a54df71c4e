#!/bin/sh
# 综治工作站 — install on Linux desktops (UOS, Kylin, Debian, Ubuntu …), x86-64 or ARM64.
#
#   sudo ./install.sh              for every user: /opt/zongzhi, menu entry, /usr/local/bin/zongzhi
#   ./install.sh                   for this user:  ~/.local/opt/zongzhi, menu entry, ~/.local/bin/zongzhi
#   ./install.sh --user            for this user, even when run as root
#   ./install.sh --uninstall       remove the program again (add --user as when installing)
#
# The ledger itself lives in the user's data folder (~/.local/share/zongzhi) and is never touched
# by installing, upgrading or removing the program.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
VERSION="@VERSION@"
USER_INSTALL=0
UNINSTALL=0
for arg in "$@"; do
  case "$arg" in
    --user) USER_INSTALL=1 ;;
    --uninstall) UNINSTALL=1 ;;
    *) echo "未知参数：$arg（可用 --user、--uninstall）" >&2; exit 2 ;;
  esac
done
if [ "$(id -u)" -eq 0 ] && [ "$USER_INSTALL" -eq 0 ]; then
  PREFIX=/opt/zongzhi
  BIN=/usr/local/bin
  APPS=/usr/share/applications
  ICONS=/usr/share/icons/hicolor/256x256/apps
else
  PREFIX="$HOME/.local/opt/zongzhi"
  BIN="$HOME/.local/bin"
  APPS="$HOME/.local/share/applications"
  ICONS="$HOME/.local/share/icons/hicolor/256x256/apps"
fi

if [ "$UNINSTALL" -eq 1 ]; then
  rm -f "$APPS/zongzhi.desktop" "$ICONS/zongzhi.png"
  if [ -L "$BIN/zongzhi" ]; then rm -f "$BIN/zongzhi"; fi
  rm -rf "$PREFIX"
  command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
  echo "综治工作站已卸载（台账数据保留在 ~/.local/share/zongzhi）。"
  exit 0
fi

echo "正在安装综治工作站 $VERSION 到 $PREFIX …"
mkdir -p "$PREFIX" "$BIN" "$APPS" "$ICONS"
rm -rf "$PREFIX/app.new"
cp -a "$HERE/zongzhi-$VERSION" "$PREFIX/app.new"
rm -rf "$PREFIX/app"
mv "$PREFIX/app.new" "$PREFIX/app"
cp "$HERE/zongzhi.png" "$ICONS/zongzhi.png"
ln -sf "$PREFIX/app/zongzhi" "$BIN/zongzhi"
sed -e "s|[@]EXEC[@]|$PREFIX/app/zongzhi|g" -e "s|[@]ICON[@]|zongzhi|g" \
  -e "s|[@]VERSION[@]|$VERSION|g" \
  "$HERE/zongzhi.desktop.in" > "$APPS/zongzhi.desktop"
chmod 644 "$APPS/zongzhi.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$APPS" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q "$(dirname "$(dirname "$ICONS")")" || true

echo "正在自检…"
if "$PREFIX/app/zongzhi" --self-test; then
  echo "安装完成：在开始菜单（办公）中打开“综治工作站”，或在终端运行 zongzhi。"
else
  echo "安装完成，但自检未通过：请把上面的内容发给技术支持。" >&2
  exit 1
fi
