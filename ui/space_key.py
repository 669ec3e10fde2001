"""Space plays and pauses everywhere in the window but where text is typed (the DAW reflex).

Qt delivers Space to the focused widget first: a list selects with it, a button clicks,
a plot ignores it. :class:`SpaceToPlay` (an application event filter) takes Space away from
every focused widget of its window that is not a text field, and calls ``toggle`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def is_text_field(widget: QWidget | None) -> bool:
    """Where Space is a character: line edits (also inside editable combos and inline
    renames), text boxes and number boxes."""
    if widget is None:
        return False
    if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)):
        return True
    return isinstance(widget, QComboBox) and widget.isEditable()


class SpaceToPlay(QObject):
    """Calls ``toggle()`` for a plain Space pressed anywhere in ``window`` but a text field."""

    def __init__(self, window: QWidget, toggle: Callable[[], None]) -> None:
        super().__init__(window)
        self._window, self._toggle = window, toggle
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
            window.destroyed.connect(lambda *_: app.removeEventFilter(self))

    def _ours(self, event: QEvent) -> bool:
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        key = event  # a QKeyEvent for both types
        assert isinstance(key, QKeyEvent)
        if key.key() != Qt.Key.Key_Space or key.modifiers() not in (
            Qt.KeyboardModifier.NoModifier,
            Qt.KeyboardModifier.KeypadModifier,
        ):
            return False
        focus = QApplication.focusWidget()
        if focus is None or focus.window() is not self._window:
            return False
        return not is_text_field(focus)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if not self._ours(event):
            return False
        if event.type() == QEvent.Type.ShortcutOverride:
            event.accept()  # no shortcut fires: the key press below does the work, once
            return True
        if (
            isinstance(watched, QWidget)
            and watched is QApplication.focusWidget()
            and not event.isAutoRepeat()
        ):  # type: ignore[attr-defined]
            self._toggle()
        return True
