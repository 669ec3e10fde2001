"""Colours of the path views, taken from the widget's palette so dark and light themes work.

Backgrounds, text and grid come from the palette. The data colours (path, selection,
measured track, playhead) are fixed hues chosen to read on both light and dark backgrounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QWidget

SELECTED = QColor("#ff8c1a")  # orange: the selected keyframe
MEASURED = QColor("#1fb57f")  # green: what a take actually did
PLAYHEAD = QColor("#e5484d")  # red: now
STROKE = QColor("#c25de8")  # violet: a freehand stroke being drawn


def _mix(a: QColor, b: QColor, amount: float) -> QColor:
    """``a`` moved ``amount`` (0..1) of the way towards ``b``."""
    return QColor.fromRgbF(
        *(x + (y - x) * amount for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3]))
    )


@dataclass(frozen=True)
class PathColors:
    background: QColor
    text: QColor
    grid: QColor
    grid_strong: QColor
    path: QColor
    path_start: QColor  # the curve fades from this to ``path``: time runs towards the strong end
    tick: QColor  # the one-second dots along the path
    handle_edge: QColor
    selected: QColor = field(default_factory=lambda: QColor(SELECTED))
    measured: QColor = field(default_factory=lambda: QColor(MEASURED))
    playhead: QColor = field(default_factory=lambda: QColor(PLAYHEAD))
    stroke: QColor = field(default_factory=lambda: QColor(STROKE))

    @property
    def dark(self) -> bool:
        return self.background.lightnessF() < 0.5


def colors_for(widget: QWidget) -> PathColors:
    """The colours for ``widget``'s current palette."""
    pal = widget.palette()
    base = pal.color(QPalette.ColorRole.Base)
    text = pal.color(QPalette.ColorRole.Text)
    accent = pal.color(QPalette.ColorRole.Highlight)
    if abs(accent.lightnessF() - base.lightnessF()) < 0.25:  # a theme whose accent hides
        accent = QColor("#3d8fe0")
    document = getattr(widget, "document", None)
    if document is not None and getattr(document, "dimmed", lambda: False)():
        accent = _mix(base, text, 0.35)  # a path that is not used: greyed out
    return PathColors(
        background=base,
        text=text,
        grid=_mix(base, text, 0.18),
        grid_strong=_mix(base, text, 0.45),
        path=accent,
        path_start=_mix(base, accent, 0.5),
        tick=_mix(base, text, 0.6),
        handle_edge=text,
    )
