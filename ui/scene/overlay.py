"""Every track of the scene on the path editor's views: each mono source's path in its
track's colour and, at the playhead, where each source is.

The selected track's path is the one being edited (the path editor draws it); the others
are drawn thinner, in their colours. The items are added to the flat map and, when the 3-D
sphere is shown, to its GL scene; the path views' own files are not touched.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject
from PySide6.QtGui import QColor

from ...engine.scene import Scene, Track
from ..path import geometry
from .controller import SceneController

PATH_ALPHA = 0.7
SOURCE_SIZE = 13


def source_position(track: Track, seconds: float) -> tuple[float, float] | None:
    """(azimuth, elevation) of a track's source at scene time ``seconds``, or None when
    its clip is not playing then (or it is FOA kept as it is: no single direction)."""
    if not track.follows_path or not track.start <= seconds < track.end:
        return None
    local = seconds - track.start + track.trim_start
    az, el, _ = track.trajectory.sample([local])
    return float(az[0]), float(el[0])


def sources_at(scene: Scene, seconds: float) -> list[tuple[Track, float, float]]:
    out = []
    for t in scene.tracks:
        pos = source_position(t, seconds)
        if pos is not None and scene.audible(t):
            out.append((t, *pos))
    return out


class SceneOverlay(QObject):
    """Draws the scene's tracks on ``editor``'s flat map and sphere."""

    def __init__(self, controller: SceneController, editor: Any) -> None:
        super().__init__(editor)
        self.controller = controller
        self.editor = editor
        plot = editor.flat_map.getPlotItem()
        self._plot = plot
        self.flat_paths: dict[str, pg.PlotDataItem] = {}
        self.flat_sources = pg.ScatterPlotItem(pxMode=True, size=SOURCE_SIZE)
        self.flat_sources.setZValue(20)
        plot.addItem(self.flat_sources)
        self._gl_view: Any = None
        self._gl_paths: dict[str, Any] = {}
        self._gl_sources: Any = None
        controller.changed.connect(self.refresh)
        controller.selection_changed.connect(lambda _id: self.refresh())
        controller.playhead_changed.connect(lambda _t: self.refresh_sources())
        self.refresh()

    def refresh(self) -> None:
        self.refresh_paths()
        self.refresh_sources()

    # --- paths ----------------------------------------------------------------------------
    def _shown(self) -> dict[str, Track]:
        sel = self.controller.selected()
        return {
            t.id: t
            for t in self.controller.scene.tracks
            if t.follows_path and (sel is None or t.id != sel.id)
        }

    def refresh_paths(self) -> None:
        shown = self._shown()
        for tid in list(self.flat_paths):
            if tid not in shown:
                self._plot.removeItem(self.flat_paths.pop(tid))
        for tid, t in shown.items():
            item = self.flat_paths.get(tid)
            if item is None:
                item = pg.PlotDataItem(connect="finite")
                item.setZValue(5)
                self._plot.addItem(item)
                self.flat_paths[tid] = item
            _, az, el = geometry.curve(t.trajectory)
            colour = QColor(t.colour)
            colour.setAlphaF(PATH_ALPHA if self.controller.scene.audible(t) else 0.25)
            item.setPen(pg.mkPen(colour, width=1.8))
            item.setData(*geometry.split_at_wrap(az, el))
        self._refresh_gl_paths(shown)

    # --- sources at the playhead ---------------------------------------------------------
    def refresh_sources(self) -> None:
        found = sources_at(self.controller.scene, self.controller.playhead())
        spots = [
            {
                "pos": (az, el),
                "brush": pg.mkBrush(QColor(t.colour)),
                "pen": pg.mkPen("#202020", width=1),
            }
            for t, az, el in found
        ]
        self.flat_sources.setData(spots)
        self._refresh_gl_sources(found)

    # --- the 3-D sphere (only while it exists) -----------------------------------------
    def _gl(self) -> Any:
        view = getattr(self.editor, "sphere", None)
        if view is not self._gl_view:
            self._gl_view, self._gl_paths, self._gl_sources = view, {}, None
        return view

    def _refresh_gl_paths(self, shown: dict[str, Track]) -> None:
        view = self._gl()
        if view is None:
            return
        import pyqtgraph.opengl as gl

        from ..path.picking import direction_to_xyz
        from ..path.sphere_scene import CURVE_RADIUS, DATA_OPTIONS

        for tid in list(self._gl_paths):
            if tid not in shown:
                view.removeItem(self._gl_paths.pop(tid))
        for tid, t in shown.items():
            item = self._gl_paths.get(tid)
            if item is None:
                item = gl.GLLinePlotItem(
                    width=2.0, antialias=True, mode="line_strip", glOptions=DATA_OPTIONS
                )
                view.addItem(item)
                self._gl_paths[tid] = item
            _, az, el = geometry.curve(t.trajectory)
            c = QColor(t.colour)
            item.setData(
                pos=direction_to_xyz(az, el, CURVE_RADIUS),
                color=(c.redF(), c.greenF(), c.blueF(), PATH_ALPHA),
            )

    def _refresh_gl_sources(self, found: list[tuple[Track, float, float]]) -> None:
        view = self._gl()
        if view is None:
            return
        import pyqtgraph.opengl as gl

        from ..path.picking import direction_to_xyz
        from ..path.sphere_scene import DATA_OPTIONS, HANDLE_RADIUS

        if self._gl_sources is None:
            self._gl_sources = gl.GLScatterPlotItem(
                pxMode=True, size=SOURCE_SIZE, glOptions=DATA_OPTIONS
            )
            view.addItem(self._gl_sources)
        if not found:
            self._gl_sources.setData(pos=np.zeros((0, 3)))
            return
        pos = np.vstack([direction_to_xyz(az, el, HANDLE_RADIUS) for _, az, el in found])
        colours = np.array(
            [
                (QColor(t.colour).redF(), QColor(t.colour).greenF(), QColor(t.colour).blueF(), 1.0)
                for t, _, _ in found
            ]
        )
        self._gl_sources.setData(pos=pos, color=colours)
