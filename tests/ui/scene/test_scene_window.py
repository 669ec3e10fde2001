"""The scene in the main window: File ▸ scene actions, "Add to Scene" from the take list, the
path editor following the selected track, playback through the transport bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.latent_take import SWEEP, latent_take
from helpers.scene_media import media_set
from PySide6.QtWidgets import QLabel, QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.app.workers import TaskRunner
from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.scene.player import SceneTransport
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import direction_errors, intensity_doa
from ambisketch.engine.spatial.presets import preset
from ambisketch.engine.takes import TakeStore
from ambisketch.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    dialogs: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: dialogs.append(a[2]))
    answers: list[QMessageBox.StandardButton] = []  # what the "unsaved scene" question gets
    monkeypatch.setattr(
        QMessageBox,
        "question",
        lambda *a, **k: answers.pop(0) if answers else QMessageBox.StandardButton.Discard,
    )
    store = TakeStore(tmp_path / "takes")
    x = (np.random.default_rng(0).standard_normal(16000) * 0.1).astype(np.float32)
    request = GenerationRequest("a bee buzzing", preset("orbit", 1.0), 1.0, seed=3, steps=4)
    store.add(Take(encode(x, request.path, 16000), 16000, request, 0, {"total": 0.0}, {}))
    w = MainWindow(TaskRunner(), Settings(tmp_path / "settings.ini"), store, gl=False)
    w.dialogs = dialogs  # type: ignore[attr-defined]
    w.answers = answers  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    yield w
    w.runner.cancel_all(wait=10)


def test_file_menu_has_the_scene_actions(window: MainWindow) -> None:
    file_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&File")
    texts = [a.text() for a in file_menu.actions()]
    for wanted in ("New scene", "Open scene…", "Save scene", "Save scene as…", "Export scene…"):
        assert wanted in texts
    assert texts.index("Export scene…") < texts.index("&Quit")


def test_add_a_take_from_the_take_list(window: MainWindow) -> None:
    window.takes.select("a-bee-buzzing_s3")
    assert window.takes.add_to_scene_action.isEnabled()
    window.takes.add_to_scene_action.trigger()
    c = window.scene_link.controller
    assert [(t.name, t.kind) for t in c.scene.tracks] == [("a-bee-buzzing_s3", "foa")]
    assert c.scene.tracks[0].media_duration == pytest.approx(1.0)  # a 16 kHz take


def test_selected_track_path_is_the_one_edited(window: MainWindow, tmp_path: Path) -> None:
    media = media_set(tmp_path / "media")
    link, doc = window.scene_link, window.path_editor.document
    window.show()
    link.dock.show()  # edits reach the track while the arrangement is on screen
    doc.set_trajectory(preset("pass-by", 10.0))
    bird = link.controller.add_file(media["mono"], path_of_mono=doc.trajectory())
    owl = link.controller.add_file(media["mono"], path_of_mono=preset("static", 2.0))
    link.controller.select(bird.id)
    assert doc.trajectory() == link.controller.scene.track(bird.id).path
    assert doc.duration() == pytest.approx(2.0)  # the file's length
    doc.apply_preset("orbit")
    assert link.controller.scene.track(bird.id).path == doc.trajectory()
    assert link.controller.scene.track(owl.id).path == preset("static", 2.0)
    link.controller.undo()
    assert link.controller.scene.track(bird.id).path != doc.trajectory()


def test_play_scene_loads_a_live_scene_transport(qtbot, window: MainWindow, tmp_path: Path) -> None:
    media = media_set(tmp_path / "media")
    link = window.scene_link
    foa = link.controller.add_file(media["foa"], start=0.0)
    link.play()
    player = window.transport.transport
    assert isinstance(player, SceneTransport)
    assert player.duration == pytest.approx(1.5)
    link.controller.edit(foa.id, "Move", start=1.0)
    qtbot.waitUntil(lambda: not link.scene_pending(), timeout=5000)
    assert player.duration == pytest.approx(2.5)  # the edit reached the playing mixer
    window.transport.position_changed.emit(1.25)
    assert link.controller.playhead() == pytest.approx(1.25)
    window.takes.select("a-bee-buzzing_s3")  # a take replaces the scene in the transport
    assert not isinstance(window.transport.transport, SceneTransport)


def test_closing_with_an_unsaved_scene_asks(window: MainWindow, tmp_path: Path) -> None:
    media = media_set(tmp_path / "media")
    window.show()
    window.scene_link.controller.add_file(media["foa"])
    window.answers.append(QMessageBox.StandardButton.Cancel)  # type: ignore[attr-defined]
    assert not window.close() and window.isVisible()
    window.answers.append(QMessageBox.StandardButton.Discard)  # type: ignore[attr-defined]
    assert window.close()


def test_a_take_with_latents_is_repathed_live_from_the_path_editor(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    record = latent_take(window.store, "a wasp")
    media = media_set(tmp_path / "media")
    link, doc = window.scene_link, window.path_editor.document
    window.show()
    link.dock.show()
    take = link.controller.add_file(record.path)
    link.controller.select(take.id)
    assert doc.trajectory() == SWEEP  # the take's own path, to edit from
    link.play()
    player = window.transport.transport
    assert isinstance(player, SceneTransport)
    doc.apply_preset("orbit")
    edited = link.controller.scene.track(take.id)
    assert edited.path == doc.trajectory() and edited.follows_path
    qtbot.waitUntil(lambda: not link.scene_pending(), timeout=10000)
    heard = player.mixer.block(0, player.mixer.frames)
    error = direction_errors(intensity_doa(heard, player.mixer.rate), doc.trajectory())
    assert error.spatial_angle < 3.0  # the playing mix follows the edited path
    assert "re-pathed" in link.view.findChild(QLabel, "inspector-label").text()
    rain = link.controller.add_file(media["foa"])  # an FOA file without latents
    link.controller.select(rain.id)  # FOA without latents: kept as it is, not re-pathed
    doc.apply_preset("static")
    assert link.controller.scene.track(rain.id).path is None
    link.controller.undo()  # adding the rain, then the re-path: one undoable edit
    link.controller.undo()
    assert link.controller.scene.track(take.id).path is None
