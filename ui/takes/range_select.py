"""A time range dragged on a take's waveform, and "Regenerate Selection" for it.

Dragging across the waveform (or the spectrogram) marks a range; its edges can then be
dragged and Esc or "Clear" drops it. A click still moves the playhead (the take view's own
handling). The bar under the plots names the range and offers "Regenerate Selection",
which asks (a signal) to inpaint that range of the take.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from .take_view import TakeView

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsSceneMouseEvent

MIN_SECONDS = 0.05  # a shorter drag is a click


class RangeSelector(QObject):
    """Adds range selection to a :class:`TakeView`.

    Signals:
        regenerate_requested(float, float): the user asked to regenerate [t0, t1] seconds.
        changed(object): the range ``(t0, t1)`` or None.
    """

    regenerate_requested = Signal(float, float)
    changed = Signal(object)

    def __init__(self, view: TakeView) -> None:
        super().__init__(view)
        self.view = view
        self.regions = [pg.LinearRegionItem(movable=True) for _ in (view.wave, view.spec)]
        for plot, region in zip((view.wave, view.spec), self.regions, strict=True):
            region.setZValue(5)
            region.hide()
            plot.addItem(region, ignoreBounds=True)
            region.sigRegionChanged.connect(self._region_moved)
        self._press: float | None = None
        self._dragging = False

        self.bar = QWidget(view)
        self.label = QLabel(self.bar)
        self.label.setProperty("role", "caption")
        self.regenerate_button = QPushButton("Regenerate Selection", self.bar)
        self.regenerate_button.setToolTip(
            "Generate the selected range again in the context of "
            "the rest; the rest of the take stays as it is (a new "
            "take)"
        )
        self.regenerate_button.clicked.connect(self._regenerate)
        self.clear_button = QPushButton("Clear", self.bar)
        self.clear_button.clicked.connect(self.clear)
        lay = QHBoxLayout(self.bar)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.regenerate_button)
        lay.addWidget(self.clear_button)
        view.layout().addWidget(self.bar)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape),
            view,
            self.clear,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        view.plots.scene().installEventFilter(self)
        self._show_bar()

    # --- the range ----------------------------------------------------------------------
    def selection(self) -> tuple[float, float] | None:
        if not self.regions[0].isVisible():
            return None
        t0, t1 = self.regions[0].getRegion()
        return float(min(t0, t1)), float(max(t0, t1))

    def set_selection(self, t0: float, t1: float) -> None:
        d = self.view.duration
        lo, hi = sorted((min(max(t0, 0.0), d), min(max(t1, 0.0), d)))
        for region in self.regions:
            region.setBounds((0.0, d))
            region.setRegion((lo, hi))
            region.show()
        self._show_bar()
        self.changed.emit((lo, hi))

    def clear(self) -> None:
        for region in self.regions:
            region.hide()
        self._show_bar()
        self.changed.emit(None)

    # --- mouse --------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        kind = event.type()
        if self.view.duration <= 0:
            return False
        if kind == QEvent.Type.GraphicsSceneMousePress:
            if event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
                self._press = self._time_at(event)
                if self._press is not None and self._on_item(event):
                    self._press = None  # a playhead or a region edge: theirs to drag
                self._dragging = False
        elif kind == QEvent.Type.GraphicsSceneMouseMove and self._press is not None:
            t = self._time_at(event, clamp=True)
            if t is not None and (self._dragging or abs(t - self._press) >= MIN_SECONDS):
                self._dragging = True
                self.set_selection(self._press, t)
                return True
        elif kind == QEvent.Type.GraphicsSceneMouseRelease and self._press is not None:
            dragged = self._dragging
            self._press, self._dragging = None, False
            return dragged
        return False

    def _time_at(self, event: QGraphicsSceneMouseEvent, clamp: bool = False) -> float | None:
        pos = event.scenePos()
        for plot in (self.view.wave, self.view.spec):
            vb = plot.getViewBox()
            if clamp or vb.sceneBoundingRect().contains(pos):
                t = vb.mapSceneToView(pos).x()
                return float(min(max(t, 0.0), self.view.duration))
        return None

    def _on_item(self, event: QGraphicsSceneMouseEvent) -> bool:
        items = self.view.plots.scene().items(event.scenePos())
        movable = [
            *self.view.playheads,
            *(line for r in self.regions if r.isVisible() for line in r.lines),
        ]
        return any(item in movable for item in items)

    # --- the bar ------------------------------------------------------------------------
    def _region_moved(self, region: pg.LinearRegionItem) -> None:
        for other in self.regions:
            if other is not region and other.getRegion() != region.getRegion():
                other.setRegion(region.getRegion())
        self._show_bar()

    def _show_bar(self) -> None:
        sel = self.selection()
        self.regenerate_button.setEnabled(sel is not None)
        self.clear_button.setEnabled(sel is not None)
        if sel is None:
            self.label.setText("Drag across the waveform to select a range to regenerate.")
        else:
            self.label.setText(f"Selected {sel[0]:.2f}–{sel[1]:.2f} s ({sel[1] - sel[0]:.2f} s)")

    def _regenerate(self) -> None:
        sel = self.selection()
        if sel is not None:
            self.regenerate_requested.emit(*sel)
