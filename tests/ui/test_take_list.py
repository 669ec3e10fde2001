"""The take list over a real project folder: selection, actions, inline rename, trash, drag."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMessageBox

from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode, encode_static
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.takes import TakeList
from ambisketch.ui.takes.take_model import RECORD_ROLE

RATE = 16000


def make_take(prompt: str, seed: int, with_path: bool = True) -> Take:
    x = (np.random.default_rng(seed).standard_normal(RATE // 2) * 0.1).astype(np.float32)
    path = preset("orbit", 0.5) if with_path else None
    foa = encode(x, path, RATE) if path is not None else encode_static(x, 45.0)
    return Take(
        foa,
        RATE,
        GenerationRequest(prompt, path, 0.5, seed=seed, steps=10),
        0,
        {},
        {"name": "tiny"},
    )


@pytest.fixture
def store(tmp_path: Path) -> TakeStore:
    s = TakeStore(tmp_path / "takes")
    s.add(make_take("a bee buzzing", 1))
    s.add(make_take("a dog barking on the left", 2, with_path=False))
    s.add(make_take("rain on a tin roof", 3))
    return s


@pytest.fixture
def takes(qtbot, store: TakeStore) -> TakeList:  # type: ignore[no-untyped-def]
    w = TakeList(store)
    qtbot.addWidget(w)
    w.resize(380, 400)
    w.show()
    qtbot.waitExposed(w)
    w.windowHandle().requestActivate()  # F2 and Del are shortcuts of the focused list
    qtbot.waitUntil(w.isActiveWindow)
    return w


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    return shown


def _select(takes: TakeList, row: int) -> None:
    takes.view.setCurrentIndex(takes.proxy.index(row, 0))


def test_lists_newest_first_and_selecting_emits(qtbot, takes: TakeList) -> None:  # type: ignore[no-untyped-def]
    assert takes.proxy.rowCount() == 3
    prompts = [takes.proxy.index(i, 0).data() for i in range(3)]
    assert prompts == ["rain on a tin roof", "a dog barking on the left", "a bee buzzing"]
    assert takes.count.text() == "3 takes" and takes.problems.isHidden()
    with qtbot.waitSignal(takes.take_selected) as sig:
        _select(takes, 1)
    assert sig.args[0].prompt == "a dog barking on the left" and takes.current() == sig.args[0]
    tip = takes.proxy.index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "seed 2" in tip and "descriptive" in tip
    with qtbot.waitSignal(takes.take_selected) as sig:
        takes.view.clearSelection()
        takes.view.setCurrentIndex(takes.proxy.index(-1, 0))
    assert sig.args[0] is None and takes.current() is None


def test_context_actions_emit_the_current_take(
    qtbot,
    takes: TakeList,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _select(takes, 0)
    rain = takes.current()
    for action, signal in (
        (takes.regenerate_action, takes.regenerate_requested),
        (takes.use_path_action, takes.use_path_requested),
        (takes.export_action, takes.export_requested),
    ):
        with qtbot.waitSignal(signal) as sig:
            action.trigger()
        assert sig.args[0] == rain
    _select(takes, 1)  # a descriptive take has no path to reuse
    assert not takes.use_path_action.isEnabled() and takes.regenerate_action.isEnabled()
    rect = takes.view.visualRect(takes.proxy.index(2, 0))
    takes._context_menu(rect.center())
    assert takes.current().prompt == "a bee buzzing"  # right-click selects the row
    texts = [a.text() for a in takes._menu.actions() if not a.isSeparator()]
    assert texts == [
        "Regenerate",
        "Use This Take's Path",
        "Export…",
        "Add to Scene",
        "Rename",
        "Show in Folder",
        "Move to Trash",
        "Restore Last Deleted",
    ]
    takes._menu.close()
    opened: list[str] = []  # the file manager is the desktop's: catch the request
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    takes.reveal_action.trigger()
    assert opened == [str(takes.store.folder)]


def test_drag_carries_the_wav_file_url(takes: TakeList) -> None:
    index = takes.proxy.index(0, 0)
    record = index.data(RECORD_ROLE)
    assert takes.proxy.flags(index) & Qt.ItemFlag.ItemIsDragEnabled
    assert takes.view.dragDropMode() == QAbstractItemView.DragDropMode.DragOnly
    mime = takes.proxy.mimeData([index])
    assert mime.hasUrls() and [u.toLocalFile() for u in mime.urls()] == [str(record.path)]
    assert "text/uri-list" in mime.formats() and Path(mime.urls()[0].toLocalFile()).is_file()


def _editor(takes: TakeList) -> QLineEdit:
    """The open inline editor (a closed one may linger until deleted)."""
    (editor,) = [e for e in takes.view.findChildren(QLineEdit) if e.isVisible()]
    return editor


def test_f2_renames_inline_and_refuses_a_taken_name(
    qtbot,
    takes: TakeList,  # type: ignore[no-untyped-def]
    warnings: list[str],
) -> None:
    _select(takes, 0)
    old = takes.current()
    takes.view.setFocus()
    qtbot.keyClick(takes.view, Qt.Key.Key_F2)
    assert takes.view.state() == QAbstractItemView.State.EditingState
    editor = _editor(takes)
    assert editor.text() == old.name
    editor.setText("rain close")
    with qtbot.waitSignal(takes.take_selected) as sig:
        qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert sig.args[0].name == "rain close" and takes.current().name == "rain close"
    assert (takes.store.folder / "rain close.wav").is_file() and not old.path.exists()
    assert (takes.store.folder / "rain close.wav.json").is_file()

    bee = takes.proxy.index(2, 0).data(RECORD_ROLE)
    takes.start_rename()
    editor = _editor(takes)
    editor.setText(bee.name)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt 6 commits on the next event loop turn
    qtbot.waitUntil(lambda: bool(warnings))
    assert len(warnings) == 1 and "already exists" in warnings[0] and "\n" not in warnings[0]
    assert takes.current().name == "rain close" and bee.path.is_file()


def test_delete_moves_to_trash_selects_the_neighbour_and_restores(qtbot, takes: TakeList) -> None:  # type: ignore[no-untyped-def]
    _select(takes, 1)
    dog = takes.current()
    takes.view.setFocus()
    with qtbot.waitSignal(takes.take_selected) as sig:
        qtbot.keyClick(takes.view, Qt.Key.Key_Delete)
    assert not dog.path.exists() and (takes.store.folder / ".trash" / dog.path.name).is_file()
    assert sig.args[0].prompt == "a bee buzzing" and takes.proxy.rowCount() == 2
    assert takes.restore_action.isEnabled()
    takes.restore_action.trigger()
    assert dog.path.is_file() and takes.current().path == dog.path
    for _ in range(3):
        takes.delete_current()
    assert takes.current() is None and takes.stack.currentWidget() is takes.empty


def test_add_take_selects_it_and_filter_and_problems(
    qtbot, takes: TakeList, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(takes.take_selected) as sig:
        record = takes.add_take(make_take("a bell far away", 9))
    assert sig.args[0] == record and takes.current() == record
    assert takes.proxy.index(0, 0).data() == "a bell far away"
    takes.filter.setText("DOG")  # hides the selected take: the visible one becomes current
    assert takes.proxy.rowCount() == 1 and takes.current().prompt.endswith("on the left")
    takes.filter.clear()
    before = takes.current()
    (takes.store.folder / "broken.wav").write_bytes(b"RIFF....WAVEjunk")
    emitted: list[object] = []
    takes.take_selected.connect(emitted.append)
    takes.refresh()
    assert emitted == []  # a refresh (the folder watcher's too) does not reload the take
    assert not takes.problems.isHidden() and "1 file" in takes.problems.text()
    assert "broken.wav" in takes.problems.toolTip() and takes.current() == before
    takes.set_folder(tmp_path / "elsewhere")
    assert takes.proxy.rowCount() == 0 and takes.current() is None
    assert takes.stack.currentWidget() is takes.empty and takes.problems.isHidden()


def test_changes_made_outside_show_up(qtbot, takes: TakeList, store: TakeStore) -> None:  # type: ignore[no-untyped-def]
    other = TakeStore(store.folder)  # e.g. 'ambisketch takes delete' in a terminal
    other.delete(other.list()[0])
    qtbot.waitUntil(lambda: takes.proxy.rowCount() == 2, timeout=3000)


def test_a_point_outside_the_rows_opens_the_menu_without_a_take(takes: TakeList) -> None:
    takes._context_menu(QPoint(5, takes.view.viewport().height() - 2))
    assert takes.current() is None and not takes.export_action.isEnabled()
    assert takes.reveal_action.isEnabled()  # shows the project folder
    takes._menu.close()
