"""The lanes of the arrangement: a time ruler, one lane per track with its clip, the playhead.

Mouse: drag a clip to move it in time, drag its left or right edge to trim it (the other
edge stays), click a clip to select its track, click the ruler or an empty stretch of a lane
to move the playhead. Each drag is one undo step. A room's ring-out is drawn as a fading tail
after the clip.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from ...engine.scene import Track
from .controller import SceneController

RULER_HEIGHT = 24
LANE_HEIGHT = 48
EDGE_PIXELS = 7  # how close to a clip's edge a press trims instead of moving
SNAP_SECONDS = 0.01
TAIL_SECONDS = 1.0  # drawn length of a room's ring-out (its real length depends on the room)


class LaneCanvas(QWidget):
    """Signals:
    seek_requested(float): the user clicked the ruler or an empty lane at t seconds.
    """

    seek_requested = Signal(float)

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.pixels_per_second = 60.0
        self._drag: tuple[str, Track, float] | None = None  # (mode, track at press, press time)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setToolTip(
            "Drag a clip to move it, drag its edges to trim; click the ruler to move the playhead"
        )
        controller.changed.connect(self._relayout)
        controller.selection_changed.connect(lambda _id: self.update())
        controller.playhead_changed.connect(lambda _t: self.update())
        self._relayout()

    # --- geometry -----------------------------------------------------------------------
    def x_of(self, seconds: float) -> float:
        return seconds * self.pixels_per_second

    def time_at(self, x: float) -> float:
        return max(0.0, x / self.pixels_per_second)

    def lane_at(self, y: float) -> int:
        """The lane index under ``y`` (−1 = the ruler or below the last lane)."""
        if y < RULER_HEIGHT:
            return -1
        i = int((y - RULER_HEIGHT) // LANE_HEIGHT)
        return i if i < len(self.controller.scene) else -1

    def clip_rect(self, index: int) -> QRectF:
        t = self.controller.scene.tracks[index]
        return QRectF(
            self.x_of(t.start),
            RULER_HEIGHT + index * LANE_HEIGHT + 4,
            max(2.0, self.x_of(t.clip_length)),
            LANE_HEIGHT - 8,
        )

    def hit(self, pos: QPointF) -> tuple[int, str]:
        """(lane, "head" | "tail" | "body" | "") for a point."""
        i = self.lane_at(pos.y())
        if i < 0:
            return -1, ""
        r = self.clip_rect(i)
        if not (r.top() <= pos.y() <= r.bottom()):
            return i, ""
        edge = min(EDGE_PIXELS, r.width() / 3)
        if abs(pos.x() - r.left()) <= edge:
            return i, "head"
        if abs(pos.x() - r.right()) <= edge:
            return i, "tail"
        if r.left() < pos.x() < r.right():
            return i, "body"
        return i, ""

    def set_zoom(self, pixels_per_second: float) -> None:
        self.pixels_per_second = min(max(pixels_per_second, 5.0), 2000.0)
        self._relayout()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.minimumWidth(), self.minimumHeight())

    def _relayout(self) -> None:
        seconds = max(self.controller.scene.duration + 10.0, 30.0)
        self.setMinimumWidth(int(self.x_of(seconds)))
        self.setMinimumHeight(RULER_HEIGHT + max(1, len(self.controller.scene)) * LANE_HEIGHT)
        self.update()

    # --- drawing ------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        base, text = pal.base().color(), pal.text().color()
        p.fillRect(self.rect(), base)
        self._draw_ruler(p, text)
        scene = self.controller.scene
        selected = self.controller.selected()
        for i, t in enumerate(scene.tracks):
            y = RULER_HEIGHT + i * LANE_HEIGHT
            if i % 2:
                p.fillRect(QRectF(0, y, self.width(), LANE_HEIGHT), pal.alternateBase())
            self._draw_clip(
                p, i, t, scene.audible(t), selected is not None and selected.id == t.id, text
            )
        x = self.x_of(self.controller.playhead())
        p.setPen(QPen(QColor("#e0a030"), 1.5))
        p.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        if not scene.tracks:
            p.setPen(text)
            p.drawText(
                self.rect().adjusted(12, RULER_HEIGHT, 0, 0),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                "Drop sound files or takes here, or use Add to scene",
            )
        p.end()

    def _draw_ruler(self, p: QPainter, text: QColor) -> None:
        step = _tick_step(self.pixels_per_second)
        p.setPen(QPen(text, 1))
        first = 0.0
        last = self.time_at(self.width())
        n = int(math.floor(first / step))
        while n * step <= last:
            t = n * step
            x = self.x_of(t)
            p.drawLine(QPointF(x, RULER_HEIGHT - 6), QPointF(x, RULER_HEIGHT))
            p.drawText(QPointF(x + 3, RULER_HEIGHT - 8), f"{t:g} s")
            n += 1
        p.drawLine(QPointF(0, RULER_HEIGHT), QPointF(self.width(), RULER_HEIGHT))

    def _draw_clip(
        self, p: QPainter, i: int, t: Track, audible: bool, selected: bool, text: QColor
    ) -> None:
        r = self.clip_rect(i)
        colour = QColor(t.colour)
        fill = QColor(colour)
        fill.setAlphaF(0.75 if audible else 0.25)
        p.setPen(QPen(text if selected else colour.darker(140), 2.5 if selected else 1))
        p.fillRect(r, fill)
        p.drawRect(r)
        if t.room is not None:
            tail = QColor(colour)
            tail.setAlphaF(0.2 if audible else 0.08)
            p.fillRect(
                QRectF(
                    r.right(), r.top() + r.height() * 0.3, self.x_of(TAIL_SECONDS), r.height() * 0.4
                ),
                tail,
            )
        label = t.name + (
            "" if t.kind == "mono" else "  (FOA, re-pathed)" if t.path is not None else "  (FOA)"
        )
        if t.mute:
            label += "  [muted]"
        if t.solo:
            label += "  [solo]"
        p.setPen(text)
        p.drawText(
            r.adjusted(6, 0, -4, 0),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            label,
        )

    # --- mouse --------------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        pos = ev.position()
        lane, part = self.hit(pos)
        if lane >= 0:
            track = self.controller.scene.tracks[lane]
            self.controller.select(track.id)
            if part:
                self._drag = (part, track, self.time_at(pos.x()))
                return
        t = self.time_at(pos.x())
        self.controller.set_playhead(t)
        self.seek_requested.emit(t)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        pos = ev.position()
        if self._drag is None:
            _, part = self.hit(pos)
            shape = {
                "head": Qt.CursorShape.SizeHorCursor,
                "tail": Qt.CursorShape.SizeHorCursor,
                "body": Qt.CursorShape.OpenHandCursor,
            }.get(part, Qt.CursorShape.ArrowCursor)
            self.setCursor(shape)
            return
        mode, track, t0 = self._drag
        delta = round((self.time_at(pos.x()) - t0) / SNAP_SECONDS) * SNAP_SECONDS
        if pos.x() <= 0:
            delta = -track.start if mode == "body" else delta
        self.drag_to(mode, track, delta)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self._drag is not None:
            self._drag = None
            self.controller.end_drag()

    def drag_to(self, mode: str, track: Track, delta: float) -> None:
        """Apply a drag of ``delta`` seconds to the track as it was at the press."""
        if mode == "body":
            moved = track.edited(start=max(0.0, track.start + delta))
            label = f"Move {track.name}"
        elif mode == "head":
            moved = track.trimmed_head(track.start + delta)
            label = f"Trim {track.name}"
        else:
            moved = track.trimmed_tail(track.end + delta)
            label = f"Trim {track.name}"
        self.controller.replace(moved, label, merge=f"{mode}:{track.id}")

    def keyPressEvent(self, ev) -> None:  # noqa: N802, ANN001
        t = self.controller.selected()
        if t is not None and ev.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.controller.remove(t.id)
            return
        super().keyPressEvent(ev)


def _tick_step(pixels_per_second: float) -> float:
    """Seconds between ruler labels: at least ~70 px apart, on 1-2-5 steps."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300):
        if step * pixels_per_second >= 70:
            return float(step)
    return 600.0
