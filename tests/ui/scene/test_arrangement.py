"""The arrangement view: adding (files, drops), lanes (drag to move, edge-drag to trim),
headers (gain, mute, solo), the overlay of every track on the path views, undo, open/save."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.scene_media import highs_db, media_set
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ambisketch.engine.scene import load_scene
from ambisketch.engine.spatial.presets import preset
from ambisketch.ui.path import PathEditor
from ambisketch.ui.scene import ArrangementView, SceneController, SceneOverlay
from ambisketch.ui.scene.export_dialog import SceneExportChoice, export_job
from ambisketch.ui.scene.lanes import LANE_HEIGHT, RULER_HEIGHT


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    return media_set(tmp_path / "media")


@pytest.fixture
def view(qtbot) -> ArrangementView:
    v = ArrangementView()
    qtbot.addWidget(v)
    v.resize(1000, 400)
    v.show()
    return v


def _failures(controller: SceneController) -> list[str]:
    seen: list[str] = []
    controller.failed.connect(lambda title, msg: seen.append(msg))
    return seen


def test_adding_files_and_bad_ones(view: ArrangementView, media: dict[str, Path]) -> None:
    c = view.controller
    failed = _failures(c)
    view.path_for_mono = lambda: preset("orbit", 10.0)
    assert (
        view.add_files(
            [media["mono"], media["foa"], media["stereo"], media["mono"].parent / "gone.wav"]
        )
        == 2
    )
    assert [t.kind for t in c.scene.tracks] == ["mono", "foa"]
    assert c.scene.tracks[0].path.duration == pytest.approx(2.0)  # stretched to the file
    assert len(failed) == 2 and "stereo.wav: 2 channels" in failed[0] and "gone.wav" in failed[1]
    assert len(view.headers.headers) == 2
    assert c.selected().id == c.scene.tracks[1].id  # the last one added


def test_drop_adds_at_the_drop_time(view: ArrangementView, media: dict[str, Path]) -> None:
    data = QMimeData()
    data.setUrls(
        [QUrl.fromLocalFile(str(media["foa"])), QUrl.fromLocalFile(str(media["foa"]) + ".json")]
    )
    x = 3.0 * view.canvas.pixels_per_second
    pos = view.canvas.mapTo(view, QPoint(int(x), RULER_HEIGHT + 10))
    ev = QDropEvent(
        QPointF(pos),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    view.dropEvent(ev)
    assert len(view.controller.scene) == 1
    assert view.controller.scene.tracks[0].start == pytest.approx(3.0, abs=0.05)


def test_drag_moves_and_edges_trim_each_one_undo_step(
    qtbot, view: ArrangementView, media: dict[str, Path]
) -> None:
    c = view.controller
    c.add_file(media["mono"], start=1.0)  # 1 … 3 s
    canvas = view.canvas
    pps = canvas.pixels_per_second
    y = RULER_HEIGHT + LANE_HEIGHT // 2
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(2.0 * pps), y))
    for x in (2.2, 2.4, 2.5):
        qtbot.mouseMove(canvas, QPoint(int(x * pps), y))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(2.5 * pps), y))
    t = c.scene.tracks[0]
    assert t.start == pytest.approx(1.5, abs=0.02) and t.clip_length == pytest.approx(2.0)
    c.undo()
    assert c.scene.tracks[0].start == pytest.approx(1.0)  # the whole drag was one step
    c.redo()
    # Left edge from 1.5 s to 2.0 s: the clip's end stays at 3.5 s.
    canvas.drag_to("head", c.scene.tracks[0], 0.5)
    c.end_drag()
    t = c.scene.tracks[0]
    assert (t.start, t.trim_start, t.end) == pytest.approx((2.0, 0.5, 3.5))
    canvas.drag_to("tail", t, -1.0)
    c.end_drag()
    assert c.scene.tracks[0].end == pytest.approx(2.5)
    lane, part = canvas.hit(QPointF(canvas.x_of(2.0) + 1, y))
    assert (lane, part) == (0, "head")


def test_headers_set_gain_mute_solo(view: ArrangementView, media: dict[str, Path]) -> None:
    c = view.controller
    c.add_file(media["mono"])
    c.add_file(media["foa"])
    first, second = view.headers.headers
    first.gain.setValue(-9.0)
    second.solo.setChecked(True)
    first.mute.setChecked(True)
    a, b = c.scene.tracks
    assert (a.gain_db, a.mute, b.solo) == (-9.0, True, True)
    assert not c.scene.audible(a) and c.scene.audible(b)
    c.undo()
    assert not c.scene.tracks[0].mute
    assert view.headers.headers[0].mute.isChecked() is False  # the header follows undo


def test_clicking_the_ruler_moves_the_playhead(qtbot, view: ArrangementView) -> None:
    seeks: list[float] = []
    view.seek_requested.connect(seeks.append)
    qtbot.mouseClick(
        view.canvas,
        Qt.MouseButton.LeftButton,
        pos=QPoint(int(4 * view.canvas.pixels_per_second), 5),
    )
    assert view.controller.playhead() == pytest.approx(4.0, abs=0.02)
    assert seeks and seeks[0] == pytest.approx(4.0, abs=0.02)


def test_every_track_on_the_flat_map_in_its_colour(qtbot, media: dict[str, Path]) -> None:
    editor = PathEditor(gl=False)
    qtbot.addWidget(editor)
    c = SceneController()
    overlay = SceneOverlay(c, editor)
    bird = c.add_file(media["mono"], start=0.0, path_of_mono=preset("orbit", 2.0))
    c.add_file(media["foa"])  # FOA: no path, no single direction
    owl = c.add_file(media["mono"], start=0.5, path_of_mono=preset("static", 2.0))
    c.edit(owl.id, "Colour", colour="#ff0000")
    c.select(owl.id)  # the selected track's path is the editor's own: not overlaid
    assert list(overlay.flat_paths) == [bird.id]
    c.select("")
    assert set(overlay.flat_paths) == {bird.id, owl.id}
    pen = overlay.flat_paths[owl.id].opts["pen"]
    assert pen.color().name() == "#ff0000"
    c.set_playhead(1.0)  # orbit at half way: behind; the static one in front
    spots = overlay.flat_sources.data
    assert len(spots) == 2
    positions = sorted((round(float(s["x"])), round(float(s["y"]))) for s in spots)
    assert positions == [(0, 0), (180, 0)]
    c.set_playhead(2.2)  # the bird has ended, the owl (0.5 … 2.5 s) plays on
    assert len(overlay.flat_sources.data) == 1


def test_save_open_round_trip_and_bad_files(tmp_path: Path, media: dict[str, Path]) -> None:
    c = SceneController()
    failed = _failures(c)
    c.add_file(media["mono"], path_of_mono=preset("fly-over", 2.0))
    assert c.history.modified
    target = tmp_path / "s.json"
    assert c.save(target) and not c.history.modified and c.title() == "s.json"
    assert load_scene(target).scene == c.scene
    other = SceneController()
    missing: list[list] = []
    other.missing_media.connect(missing.append)
    assert other.open(target) and other.scene == c.scene
    (tmp_path / "bad.json").write_text("{oops")
    assert not c.open(tmp_path / "bad.json")
    assert "bad.json: not valid JSON" in failed[-1]
    assert c.scene == other.scene  # a failed open keeps the scene
    media["mono"].unlink()
    assert other.open(target) and [t.name for t in missing[-1]] == ["bird"]


def test_export_job_writes_mix_stems_and_binaural(tmp_path: Path, media: dict[str, Path]) -> None:
    import soundfile as sf

    c = SceneController()
    c.add_file(media["mono"], path_of_mono=preset("orbit", 2.0))
    c.add_file(media["foa"], start=0.5)
    choice = SceneExportChoice(tmp_path / "mix.wav", "32f", stems=True, binaural=True)
    steps: list[int] = []
    text = export_job(c.scene, choice, c.media)(lambda i, n: steps.append(i), lambda: False)
    assert "mix.wav and 2 stems" in text and "mix_binaural.wav" in text
    mix, _ = sf.read(tmp_path / "mix.wav", always_2d=True)
    stems = sorted(choice.stems_dir.iterdir())
    np.testing.assert_allclose(sum(sf.read(p, always_2d=True)[0] for p in stems), mix, atol=1e-7)
    assert sf.info(choice.binaural_path).channels == 2 and steps[-1] == 100
    # the mono bird is at 16 kHz: its highs estimated, unless the box is unticked

    assert highs_db(stems[0]) > -15.0
    plain = SceneExportChoice(tmp_path / "plain.wav", "32f", stems=True, highs=False)
    export_job(c.scene, plain, c.media)(lambda i, n: None, lambda: False)
    assert highs_db(sorted(plain.stems_dir.iterdir())[0]) < -60.0
    assert c.media.highs  # the live mix's cache is left as it was


def test_a_scene_at_another_rate_plays_and_exports_at_its_rate(
    tmp_path: Path, media: dict[str, Path]
) -> None:
    import json

    from ambisketch.engine.scene import render_scene

    c = SceneController()
    c.add_file(media["foa"])
    target = tmp_path / "s.json"
    assert c.save(target)
    data = json.loads(target.read_text())
    data["rate"] = 44100
    target.write_text(json.dumps(data))
    other = SceneController()
    assert other.open(target) and other.media.rate == 44100
    assert render_scene(other.scene, other.media).shape == (4, int(1.5 * 44100))
