"""The flat azimuth/elevation map: the whole sphere unrolled (equirectangular), editable.

Azimuth runs from +180° at the left edge through 0° (front) in the middle to −180° at the
right edge, so what is left of the listener is left on the map. A path crossing the back
leaves at one edge and comes back at the other. Editing is the same as on the sphere
(see :mod:`.pointer`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QWidget

from . import geometry
from .document import PathDocument
from .menus import keyframe_menu, path_menu
from .picking import nearest_point
from .plot_style import (
    AZIMUTH_SHORT_TICKS,
    AZIMUTH_TICKS,
    ELEVATION_TICKS,
    HIT_RADIUS,
    brush,
    keep_angle_labels,
    minor,
    show_handles,
    style_handles,
    style_plot,
    view_to_widget,
    widget_to_view,
)
from .pointer import PathPointer
from .style import colors_for

TIP = (
    "Flat map of all directions (left edge = +180° behind, middle = front, right edge = "
    "−180° behind).\nClick: put the sound here at the playhead time (hold to drag). "
    "Drag a handle: move a keyframe.\nCtrl+drag or Draw mode: draw a path freehand. "
    "Right click: keyframe or path menu."
)


NARROW_MAP_PX = 330  # below this map width the azimuth labels are the short ones
LABEL_PIXELS = 16.0  # keyframes closer than this on screen share one number label


def label_groups(points: list[tuple[float, float]], degrees_per_pixel: float) -> list[list[int]]:
    """Keyframe indices grouped where their handles sit within :data:`LABEL_PIXELS` of the
    group's first (degrees on the map, where +180 and -180 are at opposite edges)."""
    reach = LABEL_PIXELS * degrees_per_pixel
    groups: list[list[int]] = []
    for i, (az, el) in enumerate(points):
        for g in groups:
            az0, el0 = points[g[0]]
            if abs(az - az0) <= reach and abs(el - el0) <= reach:
                g.append(i)
                break
        else:
            groups.append([i])
    return groups


class FlatMap(pg.PlotWidget):
    """Equirectangular map of the path with the same editing as the sphere view."""

    def __init__(self, document: PathDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.document = document
        self.pointer = PathPointer(document, self)
        self._menu = None
        self.setToolTip(TIP)
        self.setMinimumSize(240, 140)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        vb = item.getViewBox()
        vb.setMouseEnabled(False, False)
        vb.invertX(True)  # +180 (behind, left side) at the left edge: left is left
        vb.setAspectLocked(True)  # one degree is as wide as it is high
        vb.setRange(xRange=(-180, 180), yRange=(-90, 90), padding=0.02)
        item.getAxis("bottom").setTicks([AZIMUTH_TICKS, minor(-180, 180, 30)])
        item.getAxis("left").setTicks([ELEVATION_TICKS, minor(-90, 90, 15)])
        keep_angle_labels(self)
        item.layout.setContentsMargins(2, 6, 18, 2)  # room for the "−180°" label at the edge
        item.setLabel("bottom", "azimuth")
        item.setLabel("left", "elevation")

        self.grid = pg.PlotDataItem(connect="finite")
        self.axes_lines = pg.PlotDataItem(connect="finite")  # the equator and the front meridian
        self.measured_curve = pg.PlotDataItem(connect="finite")
        self.path_curve = pg.PlotDataItem(connect="finite")
        self.tick_dots = pg.ScatterPlotItem(size=5, pen=None)
        self.handles = pg.ScatterPlotItem(pxMode=True)
        self.selected_handle = pg.ScatterPlotItem(pxMode=True)
        self.playhead_marker = pg.ScatterPlotItem(size=16, symbol="o")
        self.stroke_curve = pg.PlotDataItem(connect="finite")
        for it in (
            self.grid,
            self.axes_lines,
            self.measured_curve,
            self.path_curve,
            self.tick_dots,
            self.handles,
            self.selected_handle,
            self.playhead_marker,
            self.stroke_curve,
        ):
            item.addItem(it)
        self._labels: list[pg.TextItem] = []
        # Says which curve is which, while a measured track is shown: in a margin above the
        # map (made while it shows), so it never covers a direction.
        self.legend = pg.LegendItem(colCount=1, verSpacing=-8, labelTextSize="8pt")
        self.legend.setParentItem(item)
        self.legend.anchor(itemPos=(1, 0), parentPos=(1, 0), offset=(-18, 0))
        self.legend.addItem(self.path_curve, "drawn path")
        self._build_grid()
        self.apply_palette()

        document.changed.connect(self.refresh_path)
        document.look_changed.connect(self.apply_palette)
        document.selection_changed.connect(self.refresh_handles)
        document.playhead_changed.connect(self.refresh_playhead)
        document.measured_changed.connect(self.refresh_measured)
        self.refresh()

    # --- drawing ------------------------------------------------------------------------
    def _build_grid(self) -> None:
        xs: list[float] = []
        ys: list[float] = []
        for az in range(-180, 181, 30):
            xs += [az, az, np.nan]
            ys += [-90, 90, np.nan]
        for el in range(-75, 76, 15):
            xs += [-180, 180, np.nan]
            ys += [el, el, np.nan]
        self.grid.setData(np.array(xs, float), np.array(ys, float))
        self.axes_lines.setData(
            np.array([-180, 180, np.nan, 0, 0], float), np.array([0, 0, np.nan, -90, 90], float)
        )

    def apply_palette(self) -> None:
        c = colors_for(self)
        self._colors = c
        style_plot(self, c)
        self.grid.setPen(pg.mkPen(c.grid, width=1))
        self.axes_lines.setPen(pg.mkPen(c.grid_strong, width=1))
        self.measured_curve.setPen(pg.mkPen(c.measured, width=2, style=Qt.PenStyle.DashLine))
        self.path_curve.setPen(pg.mkPen(c.path, width=2.5))
        self.stroke_curve.setPen(pg.mkPen(c.stroke, width=2))
        style_handles(self.handles, self.selected_handle, c)
        self.playhead_marker.setPen(pg.mkPen(c.playhead, width=2.5))
        self.playhead_marker.setBrush(brush(c.playhead, 0.25))
        for label in self._labels:
            label.setColor(c.text)
        self.legend.setLabelTextColor(c.text)
        self.legend.setBrush(brush(c.background, 0.8))
        self.legend.setPen(pg.mkPen(c.grid_strong))
        self.refresh()

    def refresh(self) -> None:
        self.refresh_path()
        self.refresh_measured()

    def refresh_path(self) -> None:
        traj = self.document.trajectory()
        _, az, el = geometry.curve(traj)
        self.path_curve.setData(*geometry.split_at_wrap(az, el))
        t, taz, tel = geometry.ticks(traj, geometry.tick_step(traj.duration))
        self.tick_dots.setData(taz, tel, brush=brush(self._colors.tick))
        self.refresh_handles()
        self.refresh_playhead()

    def refresh_handles(self, *_: object) -> None:
        kfs = self.document.keyframes()
        show_handles(
            self.handles,
            self.selected_handle,
            [k.azimuth for k in kfs],
            [k.elevation for k in kfs],
            self.document.selected(),
        )
        groups = label_groups([(k.azimuth, k.elevation) for k in kfs], self._degrees_per_pixel())
        while len(self._labels) < len(groups):  # reuse the number labels: making items is slow
            label = pg.TextItem("", color=self._colors.text)
            self.getPlotItem().addItem(label)
            self._labels.append(label)
        for i, label in enumerate(self._labels):
            label.setVisible(i < len(groups))
            if i < len(groups):
                k = kfs[groups[i][0]]
                # Beside the handle, above it, or below it near the top edge; keyframes drawn
                # on top of each other (an orbit's start and end) share one label, "1, 5".
                label.setAnchor((-0.3, -0.1) if k.elevation > 60 else (-0.3, 1.1))
                label.setText(", ".join(str(j + 1) for j in groups[i]))
                label.setPos(k.azimuth, k.elevation)

    def _degrees_per_pixel(self) -> float:
        width = self.getPlotItem().getViewBox().width()
        return 360.0 / width if width > 1 else 1.0

    def _fit_ticks(self) -> None:
        """Azimuth labels that fit: short ones ("0°" for "0° front") on a narrow map."""
        narrow = self.getPlotItem().getViewBox().width() < NARROW_MAP_PX
        self.getPlotItem().getAxis("bottom").setTicks(
            [AZIMUTH_SHORT_TICKS if narrow else AZIMUTH_TICKS, minor(-180, 180, 30)]
        )

    def resizeEvent(self, ev: object) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)  # type: ignore[arg-type]
        if hasattr(self, "_colors") and not getattr(self, "closed", False):
            self.refresh_handles()  # which labels share a place depends on the scale
            self._fit_ticks()
            if self.document.measured() is not None:
                self._legend_margin()

    def refresh_playhead(self, *_: object) -> None:
        az, el, _ = self.document.trajectory().sample([self.document.playhead()])
        self.playhead_marker.setData(az, el)

    def refresh_measured(self) -> None:
        m = self.document.measured()
        self.legend.removeItem(self.measured_curve)
        self.legend.setVisible(m is not None)
        if m is None:
            self._legend_margin()
            self.measured_curve.setData([], [])
            return
        self.measured_curve.setData(*geometry.split_at_wrap(m.azimuth, m.elevation))
        self.legend.addItem(self.measured_curve, f"measured: {m.label}" if m.label else "measured")
        self._legend_margin()

    def _legend_margin(self) -> None:
        """Room above the map for the legend while it shows (none otherwise)."""
        shown = self.legend.isVisible()
        top = int(self.legend.boundingRect().height()) + 2 if shown else 6
        self.getPlotItem().layout.setContentsMargins(2, top, 18, 2)

    # --- Surface (for the pointer) ---------------------------------------------------------
    def pixel_of(self, azimuth: float, elevation: float) -> QPointF:
        """Widget pixel where a direction is drawn."""
        return view_to_widget(self, azimuth, elevation)

    def direction_at(self, pos: QPointF, *, clamp: bool) -> tuple[float, float] | None:
        az, el = widget_to_view(self, pos)
        inside = -180.0 <= az <= 180.0 and -90.0 <= el <= 90.0
        if not inside and not clamp:
            return None
        return float(np.clip(az, -180.0, 180.0)), float(np.clip(el, -90.0, 90.0))

    def handle_at(self, pos: QPointF) -> int:
        kfs = self.document.keyframes()
        pts = [self.pixel_of(k.azimuth, k.elevation) for k in kfs]
        return nearest_point([(p.x(), p.y()) for p in pts], pos.x(), pos.y(), HIT_RADIUS)

    def show_stroke(self, azimuth: list[float], elevation: list[float]) -> None:
        self.stroke_curve.setData(*geometry.split_at_wrap(azimuth, elevation))

    def open_menu(self, index: int, global_pos: QPoint) -> None:
        self._menu = (
            keyframe_menu(self.document, index, self)
            if index >= 0
            else path_menu(self.document, self)
        )
        self._menu.popup(global_pos)

    # --- Qt events ---------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos = ev.position()
        if ev.button() == Qt.MouseButton.RightButton:
            self.open_menu(self.handle_at(pos), ev.globalPosition().toPoint())
            ev.accept()
            return
        if self.pointer.press(pos, ev.button(), ev.modifiers()):
            ev.accept()
            return
        super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self.pointer.move(ev.position(), ev.buttons()):
            ev.accept()
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self.pointer.release(ev.position(), ev.button()):
            ev.accept()
            return
        super().mouseReleaseEvent(ev)

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        if ev.key() == Qt.Key.Key_Escape and self.pointer.busy:
            self.pointer.cancel()
            return
        super().keyPressEvent(ev)

    def changeEvent(self, ev: QEvent) -> None:  # noqa: N802
        super().changeEvent(ev)
        if (
            ev.type() == QEvent.Type.PaletteChange
            and hasattr(self, "_colors")
            and not getattr(self, "closed", False)
        ):
            self.apply_palette()
