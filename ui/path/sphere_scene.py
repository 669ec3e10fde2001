"""What the sphere view draws: the listener's head, the direction grid and labels, the path,
its keyframes and time ticks, the measured track and the playhead (pyqtgraph.opengl items).

Scene axes are AmbiX's: x front, y left, z up; the listener's head sits at the origin,
directions lie on the unit sphere. This module only builds and updates items; picking and
mouse handling are in :mod:`.sphere_view`.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from OpenGL import GL
from PySide6.QtGui import QColor, QFont

from ...engine.spatial.trajectory import Trajectory
from . import geometry
from .document import MeasuredTrack
from .picking import direction_to_xyz
from .style import PathColors

AZIMUTH_LABELS = [(0.0, "0° front"), (90.0, "90° L"), (-90.0, "−90° R"), (180.0, "180° back")]
ELEVATION_RINGS = (-75, -60, -45, -30, -15, 15, 30, 45, 60, 75)
RING_LABELS = (30, 60)
LABEL_AZIMUTH = -135.0  # elevation labels sit on the back-right meridian, near the camera
HEAD_RADIUS = 0.17
SURFACE_RADIUS = 0.992  # just inside the grid so that it never hides the near side
# Drawn data floats a little above the grid lines (no z-fighting on the horizon) and the
# handles above the curve, so the near side always shows them whole.
CURVE_RADIUS = 1.006
HANDLE_RADIUS = 1.012
_BLEND = {
    GL.GL_DEPTH_TEST: True,
    GL.GL_BLEND: True,
    GL.GL_CULL_FACE: False,
    "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA),
}
# Lines and points test depth (the head hides what is behind it) but write none: the
# antialiased fringe of one segment would otherwise cut gaps into the next one.
DATA_OPTIONS = {**_BLEND, "glDepthMask": (False,)}
# The translucent sphere is drawn last, one face only (no doubled tint); it turns depth
# writes back on, which the next frame's depth clear needs.
SURFACE_OPTIONS = {**_BLEND, GL.GL_CULL_FACE: True, "glDepthMask": (True,)}
OPAQUE_OPTIONS = {
    GL.GL_DEPTH_TEST: True,
    GL.GL_BLEND: False,
    GL.GL_CULL_FACE: False,
    "glDepthMask": (True,),
}


def rgba(color: QColor, alpha: float | None = None) -> tuple[float, float, float, float]:
    r, g, b, a = color.getRgbF()
    return (r, g, b, a if alpha is None else alpha)


def grid_segments(
    step_az: int = 30, rings: tuple[int, ...] = ELEVATION_RINGS, resolution: int = 96
) -> tuple[np.ndarray, np.ndarray]:
    """Line segments ``(2N, 3)`` of the grid (meridians every ``step_az``°, elevation rings)
    and, separately, of the horizon and the front-back/left-right meridians."""

    def polyline_segments(points: np.ndarray) -> np.ndarray:
        return np.repeat(points, 2, axis=0)[1:-1]

    minor, major = [], []
    el = np.linspace(-90, 90, resolution // 2 + 1)
    for az in range(-180, 180, step_az):
        seg = polyline_segments(direction_to_xyz(np.full_like(el, az), el))
        (major if az % 90 == 0 else minor).append(seg)
    az = np.linspace(-180, 180, resolution + 1)
    for ring in (*rings, 0):
        seg = polyline_segments(direction_to_xyz(az, np.full_like(az, ring)))
        (major if ring == 0 else minor).append(seg)
    return np.concatenate(minor), np.concatenate(major)


def _mesh(md: gl.MeshData, color: QColor, parent: gl.GLGraphicsItem) -> gl.GLMeshItem:
    item = gl.GLMeshItem(
        meshdata=md, color=rgba(color), shader="shaded", smooth=True, glOptions=OPAQUE_OPTIONS
    )
    item.setParentItem(parent)
    return item


class Head:
    """A head facing +x with a nose and ears, so front and left can be seen at a glance."""

    def __init__(self, view: gl.GLViewWidget) -> None:
        self.group = gl.GLGraphicsItem.GLGraphicsItem()
        view.addItem(self.group)
        skin, dark = QColor("#c9b29c"), QColor("#8c7260")
        self.skull = _mesh(gl.MeshData.sphere(24, 32, radius=HEAD_RADIUS), skin, self.group)
        self.skull.scale(1.0, 0.85, 1.05)  # a head is narrower than it is deep
        self.nose = _mesh(
            gl.MeshData.cylinder(4, 16, radius=[0.045, 0.0], length=0.11), dark, self.group
        )
        self.nose.rotate(90, 0, 1, 0)  # the cone points along +x
        self.nose.translate(HEAD_RADIUS * 0.92, 0, -0.01)
        self.ears = []
        for side in (1.0, -1.0):
            ear = _mesh(gl.MeshData.sphere(12, 16, radius=0.055), dark, self.group)
            ear.scale(0.55, 0.3, 1.0)
            ear.translate(-0.01, side * HEAD_RADIUS * 0.86, 0.0)
            self.ears.append(ear)
        # Where the listener looks: seen from behind the nose hides behind the head, a line
        # to the front of the sphere does not (and it turns with the head).
        self.gaze = gl.GLLinePlotItem(
            pos=np.array([[HEAD_RADIUS, 0, 0], [0.97, 0, 0]]),
            mode="lines",
            width=2.0,
            antialias=True,
            glOptions=DATA_OPTIONS,
        )
        self.gaze.setParentItem(self.group)

    def apply_colors(self, c: PathColors) -> None:
        self.gaze.setData(color=rgba(c.text, 0.75))

    def set_rotation(self, yaw: float, pitch: float) -> None:
        """Turn the head: positive yaw to the left, positive pitch up (the engine's signs)."""
        self.group.resetTransform()
        self.group.rotate(yaw, 0, 0, 1)
        self.group.rotate(-pitch, 0, 1, 0, local=True)  # about its own y: the nose goes up


class SphereScene:
    """All the items of the sphere view and how they follow the document."""

    def __init__(self, view: gl.GLViewWidget) -> None:
        self.view = view
        minor, major = grid_segments()
        self.grid = gl.GLLinePlotItem(
            pos=minor, mode="lines", width=1, antialias=True, glOptions=DATA_OPTIONS
        )
        self.axes = gl.GLLinePlotItem(
            pos=major, mode="lines", width=1.5, antialias=True, glOptions=DATA_OPTIONS
        )
        self.surface = gl.GLMeshItem(
            meshdata=gl.MeshData.sphere(32, 64, radius=SURFACE_RADIUS),
            smooth=True,
            shader=None,
            glOptions=SURFACE_OPTIONS,
        )
        self.surface.setDepthValue(10)  # after everything opaque: it tints what lies behind it
        self.head = Head(view)
        # Scatter items default to additive blending, which washes colours out on a light
        # background: everything here blends normally.
        opts = {"glOptions": DATA_OPTIONS}
        self.measured = gl.GLLinePlotItem(width=2.5, antialias=True, mode="lines", **opts)
        self.path = gl.GLLinePlotItem(width=3.5, antialias=True, mode="line_strip", **opts)
        self.ticks = gl.GLScatterPlotItem(size=6, pxMode=True, **opts)
        self.handles = gl.GLScatterPlotItem(pxMode=True, **opts)
        self.playhead_ray = gl.GLLinePlotItem(width=1.5, antialias=True, mode="lines", **opts)
        self.playhead = gl.GLScatterPlotItem(size=18, pxMode=True, **opts)
        self.stroke = gl.GLLinePlotItem(width=3, antialias=True, mode="line_strip", **opts)
        for item in (
            self.grid,
            self.axes,
            self.measured,
            self.path,
            self.ticks,
            self.handles,
            self.playhead_ray,
            self.playhead,
            self.stroke,
            self.surface,
        ):
            view.addItem(item)
        self.labels: list[gl.GLTextItem] = []
        font = QFont()
        font.setPointSizeF(max(8.0, font.pointSizeF() * 0.9))
        for az, text in AZIMUTH_LABELS:
            self._label(direction_to_xyz(az, 0, 1.13)[0], text, font)
        for el in RING_LABELS:
            self._label(direction_to_xyz(LABEL_AZIMUTH, el, 1.06)[0], f"{el:+d}°", font)
        self._label(np.array([0.0, 0.0, 1.1]), "90° up", font)
        self._label(np.array([0.0, 0.0, -1.14]), "−90° down", font)
        self.colors: PathColors | None = None

    def _label(self, pos: np.ndarray, text: str, font: QFont) -> None:
        item = gl.GLTextItem(pos=pos, text=text, font=font)
        self.view.addItem(item)
        self.labels.append(item)

    def apply_colors(self, c: PathColors) -> None:
        self.colors = c
        self.view.setBackgroundColor(c.background)
        self.head.apply_colors(c)
        self.grid.setData(color=rgba(c.grid_strong, 0.35))
        self.axes.setData(color=rgba(c.grid_strong, 0.85))
        self.surface.setColor(rgba(c.text, 0.07 if c.dark else 0.06))
        for label in self.labels:
            label.setData(color=c.text)
        self.measured.setData(color=rgba(c.measured))
        self.stroke.setData(color=rgba(c.stroke))
        self.playhead.setData(color=rgba(c.playhead, 0.9))
        self.playhead_ray.setData(color=rgba(c.playhead, 0.6))

    # --- data ----------------------------------------------------------------------------
    def show_path(self, traj: Trajectory, selected: int) -> None:
        c = self.colors
        if c is None:
            return
        t, az, el = geometry.curve(traj)
        frac = (t / traj.duration)[:, None]
        start, end = np.array(rgba(c.path_start)), np.array(rgba(c.path))
        self.path.setData(
            pos=direction_to_xyz(az, el, CURVE_RADIUS), color=start + frac * (end - start)
        )
        tt, taz, tel = geometry.ticks(traj, geometry.tick_step(traj.duration))
        self.ticks.setData(pos=direction_to_xyz(taz, tel, HANDLE_RADIUS), color=rgba(c.tick))
        self.show_handles(traj, selected)

    def show_handles(self, traj: Trajectory, selected: int) -> None:
        c = self.colors
        if c is None:
            return
        kfs = traj.keyframes
        pos = direction_to_xyz([k.azimuth for k in kfs], [k.elevation for k in kfs], HANDLE_RADIUS)
        color = np.array([rgba(c.selected if i == selected else c.path) for i in range(len(kfs))])
        size = np.array([19.0 if i == selected else 14.0 for i in range(len(kfs))])
        self.handles.setData(pos=pos, color=color, size=size)

    def show_playhead(self, traj: Trajectory, seconds: float) -> None:
        az, el, _ = traj.sample([seconds])
        p = direction_to_xyz(az, el)
        self.playhead.setData(pos=p * HANDLE_RADIUS)
        self.playhead_ray.setData(pos=np.vstack([p * (HEAD_RADIUS * 1.2), p * 0.97]))

    def show_measured(self, m: MeasuredTrack | None) -> None:
        if m is None or m.times.size < 2:
            self.measured.setData(pos=np.zeros((0, 3)))
            return
        p = direction_to_xyz(m.azimuth, m.elevation, CURVE_RADIUS)
        ok = np.all(np.isfinite(p), axis=1)
        pairs = np.flatnonzero(ok[:-1] & ok[1:])  # gated frames leave gaps
        self.measured.setData(pos=np.stack([p[pairs], p[pairs + 1]], axis=1).reshape(-1, 3))

    def show_stroke(self, azimuth: list[float], elevation: list[float]) -> None:
        pos = direction_to_xyz(azimuth, elevation) if azimuth else np.zeros((0, 3))
        self.stroke.setData(pos=pos * 1.004)
