"""PathDocument: every edit is undoable and exact; invalid edits are refused, not raised."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.errors import TrajectoryError
from ambisketch.engine.spatial import Keyframe, Trajectory, preset
from ambisketch.engine.spatial.ambisonics import encode
from ambisketch.engine.spatial.doa import intensity_doa
from ambisketch.ui.path import PathDocument


@pytest.fixture
def doc(qapp) -> PathDocument:
    d = PathDocument(preset("orbit", 8.0))
    d.refusals = []
    d.edit_refused.connect(d.refusals.append)
    return d


def test_default_is_a_static_front_path_of_ten_seconds(qapp) -> None:
    d = PathDocument()
    assert d.trajectory() == Trajectory.static(0.0, 0.0, 10.0)
    assert d.selected() == -1 and d.playhead() == 0.0 and d.measured() is None


def test_add_then_undo_restores_the_exact_path_and_redo_reapplies(doc: PathDocument, qtbot) -> None:
    before = doc.trajectory()
    with qtbot.waitSignal(doc.changed):
        index = doc.add_keyframe(3.0, 45.0, 20.0)
    after = doc.trajectory()
    assert index == 2 and doc.selected() == 2
    assert after.keyframes[2] == Keyframe(3.0, 45.0, 20.0, direction=after.keyframes[2].direction)
    doc.undo_stack.undo()
    assert doc.trajectory() == before and doc.trajectory().keyframes == before.keyframes
    assert doc.selected() == -1
    doc.undo_stack.redo()
    assert doc.trajectory() == after and doc.selected() == 2


def test_a_drag_is_one_undo_step_and_the_next_drag_another(doc: PathDocument) -> None:
    start = doc.trajectory()
    for i, az in enumerate((100.0, 110.0, 120.0)):
        assert doc.move_keyframe(1, azimuth=az, elevation=5.0 * i, merge=i > 0)
    first = doc.trajectory()
    assert doc.undo_stack.count() == 1 and first.keyframes[1].azimuth == 120.0
    doc.move_keyframe(1, azimuth=130.0, merge=False)
    doc.move_keyframe(1, azimuth=140.0, merge=True)
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    assert doc.trajectory() == first
    doc.undo_stack.undo()
    assert doc.trajectory() == start


def test_a_drag_back_to_the_start_leaves_no_undo_step(doc: PathDocument) -> None:
    start = doc.trajectory()
    doc.move_keyframe(1, azimuth=100.0)
    doc.move_keyframe(1, azimuth=90.0, merge=True)
    assert doc.trajectory() == start and doc.undo_stack.count() == 0


def test_click_and_drag_after_an_add_is_one_step(doc: PathDocument) -> None:
    start = doc.trajectory()
    index = doc.add_keyframe(3.0, 45.0, 0.0)
    doc.move_keyframe(index, azimuth=50.0, merge=True)
    doc.move_keyframe(index, azimuth=55.0, elevation=10.0, merge=True)
    assert doc.undo_stack.count() == 1 and doc.keyframes()[index].azimuth == 55.0
    doc.undo_stack.undo()
    assert doc.trajectory() == start


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda d: d.add_keyframe(2.0, 10.0, 0.0), "already sits at 2 s"),
        (lambda d: d.add_keyframe(9.0, 10.0, 0.0), "outside the path"),
        (lambda d: d.add_keyframe(3.0, 10.0, 95.0), "elevation 95"),
        (lambda d: d.move_keyframe(1, time=4.5), "must stay after 0 s and before 4 s"),
        (lambda d: d.move_keyframe(1, azimuth=200.0), "azimuth 200 is outside"),
        (lambda d: d.move_keyframe(9, azimuth=0.0), "no keyframe 10"),
        (lambda d: d.set_direction(0, "cw"), "first keyframe starts the path"),
        (lambda d: d.set_direction(2, "sideways"), "not one of shortest, cw, ccw"),
        (lambda d: d.set_duration(0.0), "duration must be > 0"),
        (lambda d: d.apply_preset("zigzag"), "unknown path preset"),
        (lambda d: d.draw_stroke([0.0, 1.0], [0.0], [0.0, 0.0]), "2 times, 1 azimuths"),
    ],
)
def test_invalid_edits_are_refused_with_a_reason(doc: PathDocument, edit, words: str) -> None:
    before = doc.trajectory()
    result = edit(doc)
    assert result is False or result == -1
    assert doc.trajectory() == before and doc.undo_stack.count() == 0
    assert len(doc.refusals) == 1 and words in doc.refusals[0]


def test_the_last_keyframe_cannot_be_deleted(qapp) -> None:
    d = PathDocument()
    reasons: list[str] = []
    d.edit_refused.connect(reasons.append)
    assert not d.delete_keyframe(0)
    assert reasons == ["a path needs at least one keyframe"]


def test_delete_and_direction_are_undoable(doc: PathDocument) -> None:
    start = doc.trajectory()
    assert doc.delete_keyframe(2)
    assert len(doc.keyframes()) == 4
    assert doc.set_direction(2, "cw")
    assert doc.keyframes()[2].direction == "cw"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert doc.trajectory() == start


def test_duration_stretches_keyframe_times(doc: PathDocument) -> None:
    assert doc.set_duration(16.0)
    assert [k.time for k in doc.keyframes()] == [0.0, 4.0, 8.0, 12.0, 16.0]
    doc.undo_stack.undo()
    assert doc.duration() == 8.0


def test_playhead_is_clamped_and_follows_a_shorter_path(doc: PathDocument, qtbot) -> None:
    with qtbot.waitSignal(doc.playhead_changed) as blocker:
        doc.set_playhead(99.0)
    assert blocker.args == [8.0]
    doc.set_duration(4.0)
    assert doc.playhead() == 4.0


def test_place_moves_the_keyframe_at_the_playhead_or_adds_one(doc: PathDocument) -> None:
    assert doc.place(2.03, 60.0, 10.0) == 1  # within 50 ms of the keyframe at 2 s
    assert len(doc.keyframes()) == 5 and doc.keyframes()[1].azimuth == 60.0
    assert doc.place(3.0, 120.0, 0.0) == 2
    assert len(doc.keyframes()) == 6


def test_a_keyframe_inserted_in_a_turn_keeps_the_turn(doc: PathDocument) -> None:
    # The orbit turns 90° counter-clockwise from 90° (2 s) to 180° (4 s). A point placed
    # off that arc must not make either half loop the long way round.
    turned = doc.trajectory().unwrapped_keyframe_azimuths()
    doc.add_keyframe(3.0, 30.0, 20.0)
    again = doc.trajectory().unwrapped_keyframe_azimuths()
    assert again[-1] - again[0] == pytest.approx(turned[-1] - turned[0])  # still one full turn
    assert np.all(np.abs(np.diff(again)) < 180.0)


def test_a_keyframe_inserted_on_a_long_arc_keeps_its_direction(qapp) -> None:
    d = PathDocument(Trajectory(4.0, (Keyframe(0, 0), Keyframe(4, -90, direction="ccw"))))
    d.add_keyframe(2.0, 135.0, 0.0)  # half-way along the 270° counter-clockwise arc
    assert [k.direction for k in d.keyframes()[1:]] == ["shortest", "shortest"]
    turned = d.trajectory().unwrapped_keyframe_azimuths()
    assert turned[-1] - turned[0] == pytest.approx(270.0)


def test_drawing_replaces_the_path_in_one_step(doc: PathDocument) -> None:
    start = doc.trajectory()
    t = np.linspace(0.0, 2.0, 100)
    assert doc.draw_stroke(t, 60.0 * np.sin(np.pi * t), 20.0 * t)
    drawn = doc.trajectory()
    assert drawn.duration == 8.0 and 2 < len(drawn.keyframes) < 20
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Draw path"
    doc.undo_stack.undo()
    assert doc.trajectory() == start


def test_measured_overlay(doc: PathDocument, qtbot) -> None:
    with qtbot.waitSignal(doc.measured_changed):
        doc.set_measured([0, 1, 2], [10, 20, np.nan], [0, 0, 0], "take 1")
    m = doc.measured()
    assert m is not None and m.label == "take 1" and np.isnan(m.azimuth[2])
    with pytest.raises(TrajectoryError, match="3 times, 2 azimuths"):
        doc.set_measured([0, 1, 2], [10, 20], [0, 0, 0], "bad")
    with qtbot.waitSignal(doc.measured_changed):
        doc.clear_measured()
    assert doc.measured() is None and doc.undo_stack.count() == 0


def test_a_takes_direction_track_is_shown_with_gaps(doc: PathDocument) -> None:
    rate = 16000
    x = np.random.default_rng(0).standard_normal(2 * rate).astype(np.float32) * 0.1
    x[rate // 2 : rate] = 0.0  # half a second of silence: gated frames
    track = intensity_doa(encode(x, preset("half-orbit", 2.0), rate), rate)
    doc.set_measured_track(track, "take 7")
    m = doc.measured()
    assert m is not None and m.label == "take 7" and m.times.size == track.times.size
    assert np.isnan(m.azimuth[~track.valid]).all() and (~track.valid).any()
    np.testing.assert_allclose(m.azimuth[track.valid], track.azimuth[track.valid])


def test_save_and_load_round_trip(doc: PathDocument, tmp_path: Path) -> None:
    doc.add_keyframe(3.0, 45.0, 20.0)
    doc.set_direction(3, "cw")
    saved = doc.trajectory()
    f = tmp_path / "path.json"
    doc.save(f)
    assert json.loads(f.read_text())["duration"] == 8.0
    assert doc.undo_stack.isClean() and doc.file_path() == f
    other = PathDocument()
    other.load(f)
    assert other.trajectory() == saved and other.undo_stack.isClean()
    other.undo_stack.undo()  # opening a file is undoable
    assert other.trajectory() == Trajectory.static(0.0, 0.0, 10.0)


@pytest.mark.parametrize(
    "content, words",
    [
        ("{not json", "not valid JSON"),
        ('{"duration": 4, "keyframes": [{"time": 9, "azimuth": 0}]}', "after the end"),
        ('{"duration": 4, "keyframes": [], "colour": 1}', "unknown key 'colour'"),
    ],
)
def test_a_broken_file_is_an_error_and_changes_nothing(
    doc: PathDocument, tmp_path: Path, content: str, words: str
) -> None:
    doc.add_keyframe(3.0, 45.0, 20.0)
    before, steps = doc.trajectory(), doc.undo_stack.count()
    f = tmp_path / "broken.json"
    f.write_text(content)
    with pytest.raises(TrajectoryError, match=words) as err:
        doc.load(f)
    assert str(f) in str(err.value) and "\n" not in str(err.value)
    assert doc.trajectory() == before and doc.undo_stack.count() == steps


def test_save_to_an_unwritable_place_is_an_error_and_leaves_no_file(
    doc: PathDocument, unwritable_dir: Path
) -> None:
    target = unwritable_dir / "path.json"
    with pytest.raises(TrajectoryError, match="cannot write"):
        doc.save(target)
    assert not target.exists()
    assert not doc.undo_stack.isClean() or doc.file_path() is None
