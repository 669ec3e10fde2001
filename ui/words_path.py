"""Text-only mode in the path editor: show what the prompt's words say, or grey the path out.

In *Text only* the drawn path is not used: the generator places the sound where the prompt's
spatial words say (``engine.spatial.spatial_words``), or lets the model place it when there
are none. So the editor shows the path the words describe (editable: an edit makes it a
drawn path and switches to *Follow the drawn path*), or — without spatial words — draws the
path greyed out with a caption saying it is not used.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from ambisketch.engine.spatial.captions import describe
from ambisketch.engine.spatial.spatial_words import parse_spatial_words

from .generate_panel import GeneratePanel
from .path import PathEditor

DEBOUNCE_MS = 250  # parse once the typing pauses

NO_WORDS = (
    "Text only: the prompt has no spatial words, so the model places the sound "
    "itself — the drawn path (grey) is not used."
)


def words_note(caption: str) -> str:
    return (
        f"Text only: the words say “{caption}” (shown). Edit the path to draw your own; "
        "that switches to Follow the drawn path."
    )


class WordsPath(QObject):
    """Keeps the path editor in step with the generate panel's mode and prompt."""

    def __init__(self, panel: GeneratePanel, editor: PathEditor) -> None:
        super().__init__(editor)
        self.panel, self.editor = panel, editor
        self._timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._timer.timeout.connect(self.update)
        panel.mode.currentIndexChanged.connect(lambda _i: self.update())
        panel.prompt.editTextChanged.connect(lambda _t: self._timer.start())
        panel.seconds.valueChanged.connect(lambda _v: self._timer.start())
        editor.document.words_edited.connect(self._edited)

    def update(self) -> None:
        """Show the words' path, the greyed drawn path, or (parametric) the drawn path."""
        self._timer.stop()
        doc = self.editor.document
        seconds = float(self.panel.seconds.value())
        if self.panel.mode_key() != "descriptive":
            was_words = doc.showing_words()
            doc.show_drawn_path()
            doc.set_dimmed(False)
            self.editor.set_note("")
            if was_words and abs(doc.duration() - seconds) > 1e-9:
                doc.set_duration(seconds)  # the length changed while the words' path showed
            return
        path = parse_spatial_words(self.panel.prompt_text(), seconds)
        if path is None:
            doc.show_drawn_path()
            doc.set_dimmed(True)
            self.editor.set_note(NO_WORDS)
        else:
            doc.set_dimmed(False)
            doc.show_words_path(path)
            self.editor.set_note(words_note(describe(path)))

    def _edited(self) -> None:
        """The words' path was edited: it is a drawn path now, and the mode follows it."""
        self.editor.set_note("")
        self.panel.set_mode("parametric")
