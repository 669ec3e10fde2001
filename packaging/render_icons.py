"""Render the app icon's PNG sizes from ``resources/icons/ambisketch.svg``.

Writes ``resources/icons/hicolor/NxN/apps/ambisketch.png`` for every size in :data:`SIZES`:
the freedesktop icon-theme layout, so installing is one copy into
``~/.local/share/icons/hicolor``. Run again after editing the SVG::

    .venv/bin/python packaging/render_icons.py

Uses Qt's SVG renderer (PySide6, offscreen), so it needs no display and no extra tool.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SVG = ROOT / "resources" / "icons" / "ambisketch.svg"
OUT = ROOT / "resources" / "icons" / "hicolor"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def png_path(out: Path, size: int) -> Path:
    return out / f"{size}x{size}" / "apps" / "ambisketch.png"


def render(svg: Path = SVG, out: Path = OUT, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Render ``svg`` at each size (transparent background, antialiased) into ``out``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG file")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = png_path(out, size)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.png")
        if not image.save(str(tmp), "PNG"):
            raise SystemExit(f"{tmp}: cannot write")
        os.replace(tmp, path)  # never a half-written icon
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--svg", type=Path, default=SVG, help=f"source SVG (default: {SVG})")
    parser.add_argument("--out", type=Path, default=OUT, help=f"icon theme folder (default: {OUT})")
    args = parser.parse_args(argv)
    for path in render(args.svg, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
