"""Shared look of the 2-D pyqtgraph plots (flat map, timeline): palette colours, angle ticks."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from .style import PathColors

AZIMUTH_TICKS = [
    (180.0, "180° back"),
    (90.0, "90° L"),
    (0.0, "0° front"),
    (-90.0, "−90° R"),
    (-180.0, "−180°"),
]
AZIMUTH_SHORT_TICKS = [
    (180.0, "180°"),
    (90.0, "90° L"),
    (0.0, "0°"),
    (-90.0, "−90° R"),
    (-180.0, "−180°"),
]
ELEVATION_TICKS = [
    (90.0, "90° up"),
    (45.0, "45°"),
    (0.0, "0°"),
    (-45.0, "−45°"),
    (-90.0, "−90° down"),
]
LEFT_AXIS_WIDTH = 78  # pixels; the same in every plot so the timeline's two plots align
HANDLE_SIZE = 12.0
HIT_RADIUS = 10.0  # pixels around a handle that grab it


def minor(start: float, stop: float, step: float) -> list[tuple[float, str]]:
    return [(float(v), "") for v in np.arange(start, stop + 1e-9, step)]


def style_plot(plot: pg.PlotWidget, colors: PathColors) -> None:
    """Background, axis lines and tick text in the palette's colours."""
    plot.setBackground(colors.background)
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getPlotItem().getAxis(name)
        axis.setPen(pg.mkPen(colors.grid_strong))
        axis.setTextPen(pg.mkPen(colors.text))
        axis.setStyle(hideOverlappingLabels=40)  # keep the ±180° and ±90° edge labels
        # Axes rarely change but are repainted with every edit: keep them as pixmaps.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.getPlotItem().getAxis("left").setWidth(LEFT_AXIS_WIDTH)  # room for "−90° down"


def keep_angle_labels(plot: pg.PlotWidget) -> None:
    """Let fixed angle ticks show all their labels, also on a small plot."""
    for name in ("left", "bottom"):
        plot.getPlotItem().getAxis(name).setStyle(textFillLimits=[(0, 0.95)])


def brush(color: QColor, alpha: float = 1.0) -> pg.QtGui.QBrush:
    c = QColor(color)
    c.setAlphaF(alpha)
    return pg.mkBrush(c)


def style_handles(
    handles: pg.ScatterPlotItem, selected: pg.ScatterPlotItem, colors: PathColors
) -> None:
    """One style for all keyframe handles and a larger, orange one drawn over the selected
    one: uniform styles let pyqtgraph draw every handle from one cached symbol."""
    handles.setBrush(pg.mkBrush(colors.path))
    handles.setPen(pg.mkPen(colors.handle_edge, width=1.0))
    handles.setSize(HANDLE_SIZE)
    selected.setBrush(pg.mkBrush(colors.selected))
    selected.setPen(pg.mkPen(colors.handle_edge, width=2.0))
    selected.setSize(HANDLE_SIZE * 1.35)


def show_handles(
    handles: pg.ScatterPlotItem,
    selected: pg.ScatterPlotItem,
    x: list[float],
    y: list[float],
    index: int,
) -> None:
    handles.setData(x, y)
    if 0 <= index < len(x):
        selected.setData([x[index]], [y[index]])
    else:
        selected.setData([], [])


def view_to_widget(plot: pg.PlotWidget, x: float, y: float) -> QPointF:
    """Widget (viewport) pixel of a data point."""
    scene = plot.getPlotItem().getViewBox().mapViewToScene(QPointF(x, y))
    return QPointF(plot.mapFromScene(scene))


def widget_to_view(plot: pg.PlotWidget, pos: QPointF) -> tuple[float, float]:
    """Data coordinates of a widget (viewport) pixel."""
    p = plot.getPlotItem().getViewBox().mapSceneToView(plot.mapToScene(pos.toPoint()))
    return float(p.x()), float(p.y())
