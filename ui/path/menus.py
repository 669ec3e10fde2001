"""Context menus of the path views: a keyframe's menu, the path's menu, the presets menu."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from ...engine.spatial.presets import preset_description, preset_names
from ...engine.spatial.trajectory import DIRECTIONS
from .document import PathDocument

DIRECTION_LABELS = {
    "shortest": "Shortest way",
    "ccw": "Counter-clockwise (towards the left)",
    "cw": "Clockwise (towards the right)",
}
DIRECTION_TIPS = {
    "shortest": "Take the smaller arc from the previous keyframe",
    "ccw": "Turn with increasing azimuth (front → left → back), even the long way round",
    "cw": "Turn with decreasing azimuth (front → right → back), even the long way round",
}


def presets_menu(document: PathDocument, parent: QWidget | None = None) -> QMenu:
    """The engine's presets, each with its description as tooltip and status tip."""
    menu = QMenu("Presets", parent)
    menu.setToolTipsVisible(True)
    for name in preset_names():
        action = menu.addAction(name)
        action.setToolTip(f"{name}: {preset_description(name)} (replaces the path; undoable)")
        action.setStatusTip(preset_description(name))
        action.triggered.connect(lambda _=False, n=name: document.apply_preset(n))
    return menu


def ask_time(document: PathDocument, index: int, parent: QWidget | None) -> None:
    """Ask for a keyframe's exact time (seconds) and move it there."""
    k = document.keyframes()[index]
    value, ok = QInputDialog.getDouble(
        parent,
        "Keyframe time",
        f"Time of keyframe {index + 1} (seconds):",
        k.time,
        0.0,
        document.duration(),
        3,
    )
    if ok:
        document.move_keyframe(index, time=value)


def keyframe_menu(document: PathDocument, index: int, parent: QWidget | None = None) -> QMenu:
    """Delete, direction and time of keyframe ``index``."""
    k = document.keyframes()[index]
    menu = QMenu(parent)
    menu.setToolTipsVisible(True)
    title = menu.addAction(
        f"Keyframe {index + 1}: {k.time:.2f} s, az {k.azimuth:.0f}°, el {k.elevation:.0f}°"
    )
    title.setEnabled(False)
    menu.addSeparator()
    delete = menu.addAction("Delete keyframe")
    delete.setEnabled(len(document.keyframes()) > 1)
    delete.triggered.connect(lambda: document.delete_keyframe(index))
    directions = menu.addMenu("Direction of the segment ending here")
    directions.setToolTipsVisible(True)
    directions.setEnabled(index > 0)
    group = QActionGroup(directions)
    for d in DIRECTIONS:
        action = QAction(DIRECTION_LABELS[d], directions, checkable=True)
        action.setChecked(k.direction == d)
        action.setToolTip(DIRECTION_TIPS[d])
        action.triggered.connect(lambda _=False, d=d: document.set_direction(index, d))
        group.addAction(action)
        directions.addAction(action)
    menu.addAction("Set time…").triggered.connect(lambda: ask_time(document, index, parent))
    return menu


def path_menu(document: PathDocument, parent: QWidget | None = None) -> QMenu:
    """The menu on empty space: presets and the measured overlay."""
    menu = QMenu(parent)
    menu.addMenu(presets_menu(document, menu))
    clear = menu.addAction("Hide measured direction")
    clear.setEnabled(document.measured() is not None)
    clear.triggered.connect(document.clear_measured)
    return menu
