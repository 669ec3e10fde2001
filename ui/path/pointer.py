"""Mouse editing shared by the sphere view and the flat map.

- **Left click** on empty space sets where the sound is *at the playhead*: it moves the
  keyframe at the playhead time (within 50 ms) or adds one there; keep the button down to
  drag it into place. Add-and-drag is one undo step.
- **Left drag on a handle** moves that keyframe (one undo step per drag).
- **Draw mode** (the editor's Draw toggle, or Ctrl held while pressing): the drag is a
  freehand stroke; its timing is kept and stretched over the path's duration, and
  :mod:`ambisketch.engine.spatial.freehand` simplifies it to keyframes (one undo step).
- **Right click**: context menu for the handle under the pointer, or for the path.

A view supplies a :class:`Surface`: where a pixel is on the sphere, which handle is under
it, how to preview a stroke and which menu to show.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QPoint, QPointF, Qt

from .document import PathDocument

DRAG_THRESHOLD = 3.0  # pixels before a press counts as a drag


class Surface(Protocol):
    def direction_at(self, pos: QPointF, *, clamp: bool) -> tuple[float, float] | None: ...
    def handle_at(self, pos: QPointF) -> int: ...
    def show_stroke(self, azimuth: list[float], elevation: list[float]) -> None: ...
    def open_menu(self, index: int, global_pos: QPoint) -> None: ...
    def setCursor(self, cursor: Qt.CursorShape) -> None: ...  # noqa: N802 - QWidget's name


class PathPointer:
    """The press/move/release state machine; views forward their mouse events to it."""

    def __init__(self, document: PathDocument, surface: Surface) -> None:
        self.document = document
        self.surface = surface
        self.draw_mode = False
        self.clock: Callable[[], float] = time.perf_counter  # tests may drive the stroke timing
        self._dragging = -1
        self._merge = False
        self._press: QPointF | None = None
        self._stroke: tuple[list[float], list[float], list[float]] | None = None

    @property
    def busy(self) -> bool:
        """A drag or a stroke is under way."""
        return self._dragging >= 0 or self._stroke is not None

    def press(self, pos: QPointF, button: Qt.MouseButton, modifiers: Qt.KeyboardModifier) -> bool:
        """Handle a press; False leaves the event to the view (camera orbit, menus...)."""
        if button != Qt.MouseButton.LeftButton:
            return False
        self._press = QPointF(pos)
        drawing = self.draw_mode or bool(modifiers & Qt.KeyboardModifier.ControlModifier)
        if drawing:
            self._stroke = ([], [], [])
            self._record(pos)
            return True
        index = self.surface.handle_at(pos)
        if index >= 0:
            self.document.select(index)
            self._dragging, self._merge = index, False
            return True
        direction = self.surface.direction_at(pos, clamp=False)
        if direction is None:
            return False  # off the sphere: nothing to place
        index = self.document.place(self.document.playhead(), *direction)
        if index >= 0:
            self.document.select(index)
            self._dragging, self._merge = index, True  # the drag folds into the add
        return True

    def move(self, pos: QPointF, buttons: Qt.MouseButton) -> bool:
        if self._stroke is not None:
            if self._press is not None and _distance(pos, self._press) >= DRAG_THRESHOLD:
                self._press = None  # it is a stroke, not a click
            self._record(pos)
            return True
        if self._dragging >= 0:
            if (
                self._press is not None
                and not self._merge
                and _distance(pos, self._press) < DRAG_THRESHOLD
            ):
                return True  # a click on a handle selects it; it does not nudge it
            direction = self.surface.direction_at(pos, clamp=True)
            if direction is not None:
                self.document.move_keyframe(
                    self._dragging, azimuth=direction[0], elevation=direction[1], merge=self._merge
                )
                self._merge = True
            return True
        if buttons == Qt.MouseButton.NoButton:
            self._hover(pos)
        return False

    def release(self, pos: QPointF, button: Qt.MouseButton) -> bool:
        if button != Qt.MouseButton.LeftButton:
            return False
        if self._stroke is not None:
            self._record(pos)
            t, az, el = self._stroke
            self._stroke = None
            self.surface.show_stroke([], [])
            if self._press is None and len(t) >= 2 and t[-1] > t[0]:
                self.document.draw_stroke(t, az, el)
            else:
                self.document.refuse("draw by dragging: a click is not a stroke")
            self._press = None
            return True
        handled = self._dragging >= 0
        self._dragging, self._press = -1, None
        return handled

    def cancel(self) -> None:
        """Drop a stroke in progress (Escape); a drag already made stays (undo removes it)."""
        if self._stroke is not None:
            self._stroke = None
            self.surface.show_stroke([], [])
        self._dragging, self._press = -1, None

    def _record(self, pos: QPointF) -> None:
        direction = self.surface.direction_at(pos, clamp=True)
        if direction is None or self._stroke is None:
            return
        t, az, el = self._stroke
        now = self.clock()
        if t and now <= t[-1]:
            az[-1], el[-1] = direction  # same clock tick: keep the newest position
        else:
            t.append(now)
            az.append(direction[0])
            el.append(direction[1])
        self.surface.show_stroke(az, el)

    def _hover(self, pos: QPointF) -> None:
        if self.surface.handle_at(pos) >= 0:
            self.surface.setCursor(Qt.CursorShape.PointingHandCursor)
        elif self.draw_mode:
            self.surface.setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.surface.setCursor(Qt.CursorShape.ArrowCursor)


def _distance(a: QPointF, b: QPointF) -> float:
    d = a - b
    return (d.x() ** 2 + d.y() ** 2) ** 0.5
