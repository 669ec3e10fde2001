"""Azimuth and elevation over time: two linked plots under the sphere.

Keyframes are handles: drag one to change its time and value (Shift+drag changes only one
of them, whichever you move most). Clicking empty space moves the playhead there
(``seek_requested``) and dragging scrubs. The wheel zooms time; a double click shows all.
The measured direction of the selected take is drawn dashed beside the drawn path.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from . import geometry
from .document import PathDocument
from .menus import keyframe_menu, path_menu
from .picking import nearest_point
from .plot_style import (
    AZIMUTH_SHORT_TICKS,
    ELEVATION_TICKS,
    HIT_RADIUS,
    minor,
    show_handles,
    style_handles,
    style_plot,
    view_to_widget,
    widget_to_view,
)
from .pointer import DRAG_THRESHOLD
from .style import colors_for

LIMITS = {"azimuth": (-180.0, 180.0), "elevation": (-90.0, 90.0)}


class TrackPlot(pg.PlotWidget):
    """One angle of the path over time, with draggable keyframes and the playhead."""

    seek_requested = Signal(float)

    def __init__(
        self, document: PathDocument, quantity: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent=parent)
        self.document = document
        self.quantity = quantity
        self._menu = None
        self._drag = -1
        self._merge = False
        self._press: QPointF | None = None
        self._scrubbing = False
        self._constrained = False  # Shift at the press: the drag changes time or value
        self.setToolTip(
            f"{quantity.capitalize()} over time. Drag a keyframe to change its time and "
            f"{quantity} (Shift: only one of them).\nClick or drag on empty space: move the "
            "playhead. Wheel: zoom time; double click: show all. Right click: menu."
        )
        self.setMinimumHeight(120)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        vb = item.getViewBox()
        vb.setMouseEnabled(x=True, y=False)  # the wheel zooms time only; drags are ours
        low, high = LIMITS[quantity]
        vb.setYRange(low, high, padding=0.06)
        ticks = AZIMUTH_SHORT_TICKS if quantity == "azimuth" else ELEVATION_TICKS
        item.getAxis("left").setTicks(
            [ticks, minor(low, high, 30 if quantity == "azimuth" else 15)]
        )
        item.setLabel("left", quantity)
        item.getAxis("left").setStyle(textFillLimits=[(0, 0.95)])  # all five angle labels
        item.showGrid(x=True, y=True, alpha=0.25)

        self.measured_curve = pg.PlotDataItem(connect="finite")
        self.path_curve = pg.PlotDataItem(connect="finite")
        self.handles = pg.ScatterPlotItem(pxMode=True)
        self.selected_handle = pg.ScatterPlotItem(pxMode=True)
        self.playhead_line = pg.InfiniteLine(angle=90, movable=False)
        for it in (
            self.measured_curve,
            self.path_curve,
            self.handles,
            self.selected_handle,
            self.playhead_line,
        ):
            item.addItem(it)
        self.apply_palette()
        document.changed.connect(self.refresh_path)
        document.look_changed.connect(self.apply_palette)
        document.selection_changed.connect(self.refresh_handles)
        document.playhead_changed.connect(self.refresh_playhead)
        document.measured_changed.connect(self.refresh_measured)
        self.refresh_path()
        self.refresh_measured()
        self.show_all()

    # --- drawing ------------------------------------------------------------------------
    def apply_palette(self) -> None:
        c = colors_for(self)
        self._colors = c
        style_plot(self, c)
        self.path_curve.setPen(pg.mkPen(c.path, width=2))
        self.measured_curve.setPen(pg.mkPen(c.measured, width=2, style=Qt.PenStyle.DashLine))
        self.playhead_line.setPen(pg.mkPen(c.playhead, width=2))
        style_handles(self.handles, self.selected_handle, c)

    def show_all(self) -> None:
        d = self.document.duration()
        vb = self.getPlotItem().getViewBox()
        vb.setLimits(xMin=0.0, xMax=d, minXRange=min(0.1, d))
        vb.setXRange(0.0, d, padding=0.0)

    def _xy(self, az: np.ndarray, el: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self.quantity == "azimuth":
            y, x = geometry.split_at_wrap(az, t)
            return x, y
        return t, el

    def refresh_path(self) -> None:
        traj = self.document.trajectory()
        t, az, el = geometry.curve(traj)
        self.path_curve.setData(*self._xy(az, el, t))
        vb = self.getPlotItem().getViewBox()
        if vb.state["limits"]["xLimits"][1] != traj.duration:
            self.show_all()
        self.refresh_handles()
        self.refresh_playhead()

    def refresh_handles(self, *_: object) -> None:
        kfs = self.document.keyframes()
        show_handles(
            self.handles,
            self.selected_handle,
            [k.time for k in kfs],
            [getattr(k, self.quantity) for k in kfs],
            self.document.selected(),
        )

    def refresh_playhead(self, *_: object) -> None:
        self.playhead_line.setValue(self.document.playhead())

    def refresh_measured(self) -> None:
        m = self.document.measured()
        if m is None:
            self.measured_curve.setData([], [])
            return
        self.measured_curve.setData(*self._xy(m.azimuth, m.elevation, m.times))

    # --- hit tests -------------------------------------------------------------------------
    def pixel_of(self, time: float, value: float) -> QPointF:
        return view_to_widget(self, time, value)

    def handle_at(self, pos: QPointF) -> int:
        pts = [self.pixel_of(k.time, getattr(k, self.quantity)) for k in self.document.keyframes()]
        return nearest_point([(p.x(), p.y()) for p in pts], pos.x(), pos.y(), HIT_RADIUS)

    def _seek(self, pos: QPointF) -> None:
        t, _ = widget_to_view(self, pos)
        t = float(np.clip(t, 0.0, self.document.duration()))
        self.seek_requested.emit(t)

    # --- Qt events -------------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = ev.position()
        index = self.handle_at(pos)
        if ev.button() == Qt.MouseButton.RightButton:
            self._menu = (
                keyframe_menu(self.document, index, self)
                if index >= 0
                else path_menu(self.document, self)
            )
            self._menu.popup(ev.globalPosition().toPoint())
            ev.accept()
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(ev)
            return
        self._press = QPointF(pos)
        self._constrained = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if index >= 0:
            self.document.select(index)
            self._drag, self._merge = index, False
        else:
            self._scrubbing = True
            self._seek(pos)
        ev.accept()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        pos = ev.position()
        if self._scrubbing:
            self._seek(pos)
        elif self._drag >= 0 and self._press is not None:
            delta = pos - self._press
            if not self._merge and max(abs(delta.x()), abs(delta.y())) < DRAG_THRESHOLD:
                return
            self._drag_to(pos, delta)
        else:
            self.setCursor(
                Qt.CursorShape.SizeAllCursor
                if self.handle_at(pos) >= 0
                else Qt.CursorShape.ArrowCursor
            )
            super().mouseMoveEvent(ev)
            return
        ev.accept()

    def _drag_to(self, pos: QPointF, delta: QPointF) -> None:
        t, value = widget_to_view(self, pos)
        change: dict[str, float] = {
            "time": self.document.clamp_time(self._drag, t),
            self.quantity: float(np.clip(value, *LIMITS[self.quantity])),
        }
        if self._constrained:
            change.pop(self.quantity if abs(delta.x()) >= abs(delta.y()) else "time")
        self.document.move_keyframe(self._drag, merge=self._merge, **change)
        self._merge = True

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.LeftButton and (self._drag >= 0 or self._scrubbing):
            self._drag, self._scrubbing, self._press = -1, False, None
            ev.accept()
            return
        super().mouseReleaseEvent(ev)

    def mouseDoubleClickEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        self.show_all()
        ev.accept()

    def changeEvent(self, ev: QEvent) -> None:  # noqa: N802
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.PaletteChange and hasattr(self, "_colors"):
            self.apply_palette()
            self.refresh_handles()


class Timeline(QWidget):
    """Azimuth above elevation, sharing one time axis."""

    seek_requested = Signal(float)

    def __init__(self, document: PathDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.azimuth_plot = TrackPlot(document, "azimuth", self)
        self.elevation_plot = TrackPlot(document, "elevation", self)
        self.elevation_plot.setXLink(self.azimuth_plot)
        self.azimuth_plot.getPlotItem().getAxis("bottom").setStyle(showValues=False)
        self.elevation_plot.getPlotItem().setLabel("bottom", "time", units="s")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.azimuth_plot, 1)
        layout.addWidget(self.elevation_plot, 1)
        # The elevation plot also holds the time axis: give it that much more room.
        self.elevation_plot.setMinimumHeight(self.azimuth_plot.minimumHeight() + 40)
        for plot in (self.azimuth_plot, self.elevation_plot):
            plot.seek_requested.connect(self.seek_requested)
