"""Transport icons drawn in the theme's colours: the text colour when enabled, the dim text
colour at half strength when disabled, so a greyed-out Play looks greyed out and Stop stays
visible on the dark theme (the style's stock icons are black, and their disabled look is
barely different)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

SHAPES = ("play", "pause", "stop", "loop")
SIZE = 32  # drawn at this many pixels; Qt scales it to the button's icon size


def _path(shape: str) -> tuple[QPainterPath, bool]:
    """The glyph in a 32-pixel box, and whether it is stroked (True) or filled."""
    p = QPainterPath()
    if shape == "play":
        p.moveTo(10, 7)
        p.lineTo(25, 16)
        p.lineTo(10, 25)
        p.closeSubpath()
    elif shape == "pause":
        p.addRect(QRectF(9, 8, 5, 16))
        p.addRect(QRectF(18, 8, 5, 16))
    elif shape == "stop":
        p.addRect(QRectF(9, 9, 14, 14))
    elif shape == "loop":
        p.arcMoveTo(QRectF(7, 7, 18, 18), 60)
        p.arcTo(QRectF(7, 7, 18, 18), 60, 300)
        return p, True
    else:
        raise ValueError(f"unknown transport icon {shape!r}")
    return p, False


def _pixmap(shape: str, color: QColor) -> QPixmap:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pm)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path, stroked = _path(shape)
    if stroked:
        painter.setPen(QPen(color, 2.6, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawPath(path)
        arrow = QPainterPath(QPointF(24.5, 7.0))  # the arrow head at the loop's open end
        arrow.lineTo(25.5, 14.0)
        arrow.lineTo(18.5, 12.5)
        arrow.closeSubpath()
        painter.fillPath(arrow, color)
    else:
        painter.fillPath(path, color)
    painter.end()
    return pm


def transport_icon(shape: str, palette: QPalette) -> QIcon:
    """``shape`` in :data:`SHAPES`, in ``palette``'s colours (normal and disabled)."""
    normal = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
    disabled = QColor(palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText))
    disabled.setAlphaF(0.45)
    checked = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.Highlight)
    icon = QIcon()
    icon.addPixmap(_pixmap(shape, normal), QIcon.Mode.Normal, QIcon.State.Off)
    icon.addPixmap(_pixmap(shape, normal), QIcon.Mode.Active, QIcon.State.Off)
    icon.addPixmap(_pixmap(shape, checked), QIcon.Mode.Normal, QIcon.State.On)
    icon.addPixmap(_pixmap(shape, checked), QIcon.Mode.Active, QIcon.State.On)
    for state in (QIcon.State.Off, QIcon.State.On):
        icon.addPixmap(_pixmap(shape, disabled), QIcon.Mode.Disabled, state)
    return icon
