"""The 3-D sphere view: the listener in the middle, the path on the sphere around them.

Mouse (see :mod:`.pointer` for the editing part):

- left click / drag: place or move keyframes on the near side of the sphere (a drag past
  the outline slides along it, onto the far side);
- Ctrl+drag or the editor's Draw mode: draw the path freehand;
- **right drag or Alt+left drag: orbit the camera**; wheel: zoom;
- **Shift+left drag: turn the listener's head** (``head_rotation_requested``);
- right click: context menu (keyframe, presets, camera views).

pyqtgraph's GLViewWidget cannot pick, so positions come from rays cast with the view's own
projection and view matrices (:mod:`.picking`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph.opengl import shaders as gl_shaders
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMatrix4x4, QMouseEvent, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

from ...engine.spatial.angles import wrap_azimuth
from .document import PathDocument
from .menus import keyframe_menu, path_menu
from .picking import Camera, direction_to_xyz, nearest_point, pick
from .plot_style import HIT_RADIUS
from .pointer import DRAG_THRESHOLD, PathPointer
from .sphere_scene import SphereScene
from .style import colors_for

HOME = {"azimuth": -160.0, "elevation": 28.0}  # the camera stands behind-right, above
FIT_RADIUS = 1.22  # scene units that must fit the view: the sphere and its labels
ZOOM_RANGE = (0.55, 3.0)  # wheel zoom, relative to the fitted distance
VIEWS = {  # menu name: camera azimuth, elevation (degrees; where the camera stands)
    "Behind (home)": (HOME["azimuth"], HOME["elevation"]),
    "Above": (-180.0, 89.0),
    "Front": (0.0, 10.0),
    "Left": (90.0, 10.0),
    "Right": (-90.0, 10.0),
}
DEGREES_PER_PIXEL = 0.5  # head turn per pixel of Shift+drag
TIP = (
    "The listener (nose = front) inside the sphere of directions.\n"
    "Click: put the sound here at the playhead time (hold to drag). Drag a handle: move it.\n"
    "Ctrl+drag or Draw mode: draw freehand.  Right drag or Alt+drag: orbit.  Wheel: zoom.\n"
    "Shift+drag: turn the listener's head.  Right click: menu."
)


def _forget_shader_programs() -> None:
    """pyqtgraph compiles its shaders once per process and keeps the program ids. A view
    made after another was destroyed gets a new GL context (unless the application set
    ``Qt.AA_ShareOpenGLContexts``), in which those ids are dead or, worse, name other
    programs: forget them all, so that they are compiled again for the new context. With
    shared contexts this only costs a recompile."""
    for program in gl_shaders.Shaders:
        program.prog = None
    classes = [gl.GLGraphicsItem.GLGraphicsItem]
    while classes:  # line and scatter items keep a compiled program per class
        cls = classes.pop()
        classes += cls.__subclasses__()
        if "_shaderProgram" in vars(cls):
            cls._shaderProgram = None


def _matrix(m: QMatrix4x4) -> np.ndarray:
    return np.array(m.copyDataTo(), dtype=np.float64).reshape(4, 4)  # row-major


class SphereView(gl.GLViewWidget):
    """Editable 3-D view of the path."""

    head_rotation_requested = Signal(float, float)  # yaw, pitch in degrees

    def __init__(self, document: PathDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.pointer = PathPointer(document, self)
        self.setToolTip(TIP)
        self.setMinimumSize(240, 200)
        self.setCameraPosition(elevation=HOME["elevation"], azimuth=HOME["azimuth"])
        self.opts["fov"] = 50
        self._zoom = 1.0
        self._fit()
        self.scene3d = SphereScene(self)
        self._head = (0.0, 0.0)
        self._mode = ""  # "orbit", "head", "menu" while such a drag is under way
        self._last: QPointF | None = None
        self._press: QPointF | None = None
        self._press_head = (0.0, 0.0)
        self._menu = None
        self.apply_palette()
        document.changed.connect(self.refresh_path)
        document.look_changed.connect(self.apply_palette)
        document.selection_changed.connect(self.refresh_handles)
        document.playhead_changed.connect(self.refresh_playhead)
        document.measured_changed.connect(self.refresh_measured)
        self.refresh_measured()

    # --- drawing --------------------------------------------------------------------------
    def initializeGL(self) -> None:  # noqa: N802 - Qt's name
        _forget_shader_programs()
        super().initializeGL()

    def apply_palette(self) -> None:
        self.scene3d.apply_colors(colors_for(self))
        self.refresh_path()

    def refresh_path(self) -> None:
        self.scene3d.show_path(self.document.trajectory(), self.document.selected())
        self.refresh_playhead()

    def refresh_handles(self, *_: object) -> None:
        self.scene3d.show_handles(self.document.trajectory(), self.document.selected())

    def refresh_playhead(self, *_: object) -> None:
        self.scene3d.show_playhead(self.document.trajectory(), self.document.playhead())

    def refresh_measured(self) -> None:
        self.scene3d.show_measured(self.document.measured())

    def set_head_rotation(self, yaw: float, pitch: float) -> None:
        """Draw the listener's head turned (positive yaw = left, positive pitch = up)."""
        self._head = (float(wrap_azimuth(yaw)), float(np.clip(pitch, -90.0, 90.0)))
        self.scene3d.head.set_rotation(*self._head)
        self.update()

    def head_rotation(self) -> tuple[float, float]:
        return self._head

    def set_view(self, azimuth: float, elevation: float) -> None:
        """Put the camera at this direction (degrees) from the listener."""
        self._zoom = 1.0
        self.setCameraPosition(azimuth=azimuth, elevation=elevation)
        self._fit()

    def _fit(self) -> None:
        """Camera distance at which the sphere fills the smaller side of the view (pyqtgraph's
        field of view is horizontal, so a wide, low view needs the camera further away)."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        half_x = np.radians(self.opts["fov"]) / 2
        half = min(half_x, np.arctan(np.tan(half_x) * h / w))
        self.opts["distance"] = float(FIT_RADIUS / np.sin(half) * self._zoom)
        self.update()

    # --- geometry for picking --------------------------------------------------------------
    def camera(self) -> Camera:
        """The camera as drawn now, in logical pixels (mouse coordinates)."""
        vp = (0, 0, self.width(), self.height())
        return Camera(
            _matrix(self.projectionMatrix(vp, vp)),
            _matrix(self.viewMatrix()),
            float(self.width()),
            float(self.height()),
            self.devicePixelRatioF(),
        )

    def pixel_of(self, azimuth: float, elevation: float) -> tuple[QPointF, bool]:
        """Widget pixel of a direction, and whether it is on the side facing the camera."""
        cam = self.camera()
        xyz = direction_to_xyz(azimuth, elevation)
        screen, _ = cam.project(xyz)
        return QPointF(*screen[0]), bool(cam.facing(xyz)[0])

    def direction_at(self, pos: QPointF, *, clamp: bool) -> tuple[float, float] | None:
        return pick(self.camera(), pos.x(), pos.y(), clamp=clamp)

    def handle_at(self, pos: QPointF) -> int:
        kfs = self.document.keyframes()
        cam = self.camera()
        xyz = direction_to_xyz([k.azimuth for k in kfs], [k.elevation for k in kfs])
        screen, ahead = cam.project(xyz)
        screen[~ahead] = np.nan
        return nearest_point(screen, pos.x(), pos.y(), HIT_RADIUS, prefer=cam.facing(xyz))

    def show_stroke(self, azimuth: list[float], elevation: list[float]) -> None:
        self.scene3d.show_stroke(azimuth, elevation)

    def open_menu(self, index: int, global_pos: QPoint) -> None:
        if index >= 0:
            menu = keyframe_menu(self.document, index, self)
        else:
            menu = path_menu(self.document, self)
            views = menu.addMenu("View from")
            for name, (az, el) in VIEWS.items():
                views.addAction(name).triggered.connect(
                    lambda _=False, a=az, e=el: self.set_view(a, e)
                )
            menu.addAction("Straighten head").triggered.connect(self._straighten_head)
        self._menu = menu
        menu.popup(global_pos)

    def _straighten_head(self) -> None:
        self.set_head_rotation(0.0, 0.0)
        self.head_rotation_requested.emit(0.0, 0.0)

    # --- Qt events --------------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        pos, button, mods = ev.position(), ev.button(), ev.modifiers()
        self._last, self._press = QPointF(pos), QPointF(pos)
        left = button == Qt.MouseButton.LeftButton
        if button == Qt.MouseButton.RightButton or (
            left and mods & Qt.KeyboardModifier.AltModifier
        ):
            self._mode = "menu" if button == Qt.MouseButton.RightButton else "orbit"
        elif left and mods & Qt.KeyboardModifier.ShiftModifier:
            self._mode, self._press_head = "head", self._head
        elif not self.pointer.press(pos, button, mods):
            self._mode = ""
        ev.accept()

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        pos = ev.position()
        last = self._last or pos
        self._last = QPointF(pos)
        if (
            self._mode == "menu"
            and self._press is not None
            and (pos - self._press).manhattanLength() >= DRAG_THRESHOLD
        ):
            self._mode = "orbit"  # a right drag orbits; a right click opens the menu
        if self._mode == "orbit":
            d = pos - last
            self.orbit(-d.x(), d.y())
        elif self._mode == "head" and self._press is not None:
            d = pos - self._press
            yaw = self._press_head[0] - d.x() * DEGREES_PER_PIXEL
            pitch = self._press_head[1] - d.y() * DEGREES_PER_PIXEL
            self.set_head_rotation(yaw, pitch)
            self.head_rotation_requested.emit(*self._head)
        elif not self._mode:
            self.pointer.move(pos, ev.buttons())
        ev.accept()

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:  # noqa: N802
        if self._mode == "menu" and ev.button() == Qt.MouseButton.RightButton:
            self.open_menu(self.handle_at(ev.position()), ev.globalPosition().toPoint())
        elif not self._mode:
            self.pointer.release(ev.position(), ev.button())
        self._mode, self._press = "", None
        ev.accept()

    def wheelEvent(self, ev: QWheelEvent) -> None:  # noqa: N802
        delta = ev.angleDelta().y() or ev.angleDelta().x()
        # Stay outside the sphere (picking needs it) and close enough to see the path.
        self._zoom = float(np.clip(self._zoom * 0.999**delta, *ZOOM_RANGE))
        self._fit()
        ev.accept()

    def resizeEvent(self, ev: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self._fit()

    def keyPressEvent(self, ev: QKeyEvent) -> None:  # noqa: N802
        if ev.key() == Qt.Key.Key_Escape and self.pointer.busy:
            self.pointer.cancel()
            return
        super().keyPressEvent(ev)

    def changeEvent(self, ev: QEvent) -> None:  # noqa: N802
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.PaletteChange and hasattr(self, "scene3d"):
            self.apply_palette()
