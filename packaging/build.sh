#!/usr/bin/env bash
# Build the one-folder desktop app with PyInstaller: dist/ambisketch/ (the `ambisketch`
# executable, its _internal/ folder and install.sh). Prints the time it took and the size.
#   Usage: packaging/build.sh [--distpath DIR] [--workpath DIR]
# The build uses the virtual environment $VENV (default: .venv in the repository root; create
# it with scripts/setup) and whichever torch it holds: a CPU build by default, a CUDA build
# from an environment with CUDA torch (see packaging/README.md). PyInstaller is installed into
# it (pip install -e .[packaging]) when missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
DIST="$ROOT/dist"
WORK="$ROOT/build"
while [ $# -gt 0 ]; do
  case "$1" in
    --distpath) DIST="$(realpath -m "${2:?--distpath needs a folder}")"; shift 2 ;;
    --workpath) WORK="$(realpath -m "${2:?--workpath needs a folder}")"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
say() { printf '[build] %s\n' "$*" >&2; }

PY="$VENV/bin/python"
[ -x "$PY" ] || { say "no virtual environment at $VENV: run scripts/setup first"; exit 1; }
cd "$ROOT"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
  say "installing PyInstaller into $VENV (pip install -e .[packaging])"
  "$PY" -m pip install -q -e ".[packaging]"
fi
if [ ! -f resources/icons/hicolor/512x512/apps/ambisketch.png ]; then
  "$PY" packaging/render_icons.py >/dev/null
fi
say "$("$PY" -c 'import sys, torch, PyInstaller
kind = f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU"
print(f"Python {sys.version.split()[0]}, torch {torch.__version__} ({kind} build), "
      f"PyInstaller {PyInstaller.__version__}")')"
say "building into $DIST/ambisketch (work files in $WORK); this takes several minutes"

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath "$DIST" --workpath "$WORK" packaging/ambisketch.spec
cp packaging/install-linux.sh "$DIST/ambisketch/install.sh"
chmod +x "$DIST/ambisketch/install.sh"
seconds=$(( $(date +%s) - start ))

APP="$DIST/ambisketch"
say "built $APP in $((seconds / 60)) min $((seconds % 60)) s"
say "size: $(du -sh "$APP" | cut -f1) ($(find "$APP" -type f | wc -l) files); the biggest parts:"
du -sh "$APP"/_internal/* | sort -h | tail -10 | sed 's/^/[build]   /' >&2
say "check it: $PY packaging/smoke_test.py --app $APP"
