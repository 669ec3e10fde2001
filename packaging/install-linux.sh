#!/usr/bin/env bash
# Install a frozen Ambisketch build for the current user (no root needed):
#   the app folder  → PREFIX/opt/ambisketch        the command → PREFIX/bin/ambisketch
#   the menu entry  → PREFIX/share/applications    the icons   → PREFIX/share/icons/hicolor
# PREFIX is ~/.local unless --prefix says otherwise (e.g. --prefix /usr/local as root).
# The build copies this script into dist/ambisketch/ as install.sh; run it from there.
#   Usage: ./install.sh [--prefix DIR] [--uninstall]
set -euo pipefail

PREFIX="$HOME/.local"
UNINSTALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX="${2:?--prefix needs a folder}"; shift 2 ;;
    --uninstall) UNINSTALL=1; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST="$PREFIX/opt/ambisketch"
BIN="$PREFIX/bin/ambisketch"
DESKTOP="$PREFIX/share/applications/ambisketch.desktop"
ICONS="$PREFIX/share/icons/hicolor"
say() { printf 'install: %s\n' "$*"; }

refresh_menus() {  # optional desktop caches; absent tools are fine
  command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$PREFIX/share/applications" 2>/dev/null || true
  command -v gtk-update-icon-cache >/dev/null 2>&1 \
    && gtk-update-icon-cache -q -t "$ICONS" 2>/dev/null || true
}

if [ "$UNINSTALL" = 1 ]; then
  rm -rf "$DEST"
  rm -f "$DESKTOP"
  [ -L "$BIN" ] && rm -f "$BIN"
  rm -f "$ICONS"/*/apps/ambisketch.png "$ICONS"/scalable/apps/ambisketch.svg
  refresh_menus
  say "removed Ambisketch from $PREFIX (your settings, takes and models are kept)"
  exit 0
fi

RES="$SRC/_internal/resources"
if [ ! -x "$SRC/ambisketch" ] || [ ! -d "$RES" ]; then
  echo "install.sh: $SRC is not an Ambisketch build (no ambisketch executable and" \
       "_internal/resources next to this script)" >&2
  exit 1
fi

# Copy next to the target, then swap: an interrupted install leaves the old one working.
if [ "$SRC" != "$DEST" ]; then
  mkdir -p "$(dirname "$DEST")"
  rm -rf "$DEST.new"
  cp -a "$SRC" "$DEST.new"
  rm -rf "$DEST"
  mv "$DEST.new" "$DEST"
fi
mkdir -p "$(dirname "$BIN")" "$(dirname "$DESKTOP")" "$ICONS/scalable/apps"
ln -sfn "$DEST/ambisketch" "$BIN"
sed -e "s|^Exec=.*|Exec=$DEST/ambisketch|" -e "s|^TryExec=.*|TryExec=$DEST/ambisketch|" \
  "$RES/ambisketch.desktop" > "$DESKTOP.tmp"
mv "$DESKTOP.tmp" "$DESKTOP"
cp -r "$RES/icons/hicolor/." "$ICONS/"
cp "$RES/icons/ambisketch.svg" "$ICONS/scalable/apps/ambisketch.svg"
refresh_menus

say "installed in $DEST"
say "menu entry: $DESKTOP; command: $BIN"
case ":$PATH:" in
  *":$(dirname "$BIN"):"*) ;;
  *) say "note: $(dirname "$BIN") is not on your PATH; add it, or start $DEST/ambisketch" ;;
esac
say "check the installation with: ambisketch --self-test"
