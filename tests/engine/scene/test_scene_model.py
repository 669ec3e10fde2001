"""The scene model: tracks, their validation, timeline edits and undo."""

from __future__ import annotations

from pathlib import Path

import pytest

from ambisketch.engine.errors import AudioFileError, SceneError
from ambisketch.engine.scene import Scene, SceneHistory, new_track
from ambisketch.engine.spatial.presets import preset


def test_new_track_reads_the_header_and_kind(media: dict[str, Path]) -> None:
    scene = Scene()
    mono = new_track(scene, str(media["mono"]))
    foa = new_track(scene.with_track(mono), str(media["foa"]))
    assert (mono.kind, mono.media_duration, mono.name) == ("mono", 2.0, "bird")
    assert (foa.kind, foa.media_duration) == ("foa", 1.5)
    assert mono.colour != foa.colour  # the next colour of the palette


@pytest.mark.parametrize("which", ["stereo", "three"])
def test_two_or_three_channels_are_refused_naming_the_file(
    media: dict[str, Path], which: str
) -> None:
    with pytest.raises(SceneError, match=r"stereo.wav: 2 channels|three.wav: 3 channels"):
        new_track(Scene(), str(media[which]))


def test_missing_and_unreadable_files(media: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="nope.wav: no such file"):
        new_track(Scene(), str(tmp_path / "nope.wav"))
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioFileError, match="junk.wav: not a readable audio file"):
        new_track(Scene(), str(junk))


def test_track_values_are_validated(media: dict[str, Path]) -> None:
    t = new_track(Scene(), str(media["mono"]))
    with pytest.raises(SceneError, match="gain 40 dB"):
        t.edited(gain_db=40)
    with pytest.raises(SceneError, match="start must be >= 0"):
        t.edited(start=-1)
    with pytest.raises(SceneError, match="trim start 3 s is outside"):
        t.edited(trim_start=3)
    with pytest.raises(SceneError, match="colour"):
        t.edited(colour="red")
    with pytest.raises(SceneError, match="unknown room"):
        t.edited(room="cathedralish")
    with pytest.raises(SceneError, match="rotation turns an FOA"):
        t.edited(rotation=(10, 0, 0))
    foa = new_track(Scene(), str(media["foa"]))
    with pytest.raises(SceneError, match="a distance or room places a mono file"):
        foa.edited(distance=3.0)
    assert not foa.follows_path and t.follows_path
    repathed = foa.edited(path=preset("orbit", 1.5))  # an FOA file may be re-pathed
    assert repathed.follows_path and repathed.trajectory == preset("orbit", 1.5)
    with pytest.raises(SceneError, match="follows its path"):
        repathed.edited(rotation=(10, 0, 0))


def test_edge_trims_keep_the_other_edge(media: dict[str, Path]) -> None:
    t = new_track(Scene(), str(media["mono"]), start=1.0)  # 1 … 3 s on the timeline
    head = t.trimmed_head(1.5)
    assert (head.start, head.trim_start, head.end) == pytest.approx((1.5, 0.5, 3.0))
    assert t.trimmed_head(0.0).start == pytest.approx(1.0)  # cannot reveal before the file
    tail = t.trimmed_tail(2.0)
    assert (tail.start, tail.clip_length) == pytest.approx((1.0, 1.0))
    assert t.trimmed_tail(10.0).end == pytest.approx(3.0)  # not past the file's end


def test_solo_and_mute_decide_what_is_audible(media: dict[str, Path]) -> None:
    s = Scene()
    a = new_track(s, str(media["mono"]), name="a")
    s = s.with_track(a)
    b = new_track(s, str(media["foa"]), name="b")
    s = s.with_track(b)
    assert [s.audible(t) for t in s.tracks] == [True, True]
    s = s.edit_track(b.id, solo=True)
    assert [s.audible(t) for t in s.tracks] == [False, True]
    s = s.edit_track(b.id, mute=True)
    assert [s.audible(t) for t in s.tracks] == [False, False]
    assert s.find("2").id == b.id and s.find("a").id == a.id
    with pytest.raises(SceneError, match="no track 'c'"):
        s.find("c")


def test_every_edit_is_undoable_and_drags_merge(media: dict[str, Path]) -> None:
    h = SceneHistory()
    t = new_track(h.scene, str(media["mono"]))
    h.apply("Add bird", h.scene.with_track(t))
    empty_then_added = h.scene
    for x in (0.1, 0.2, 0.3):  # one drag
        h.apply("Move bird", h.scene.edit_track(t.id, start=x), merge=f"move:{t.id}")
    h.end_merge()
    h.apply("Gain", h.scene.edit_track(t.id, gain_db=-3))
    assert h.modified
    assert h.undo() == "Gain" and h.scene.track(t.id).start == pytest.approx(0.3)
    assert h.undo() == "Move bird" and h.scene == empty_then_added
    assert h.undo() == "Add bird" and len(h.scene) == 0
    assert h.undo() is None
    assert h.redo() == "Add bird" and h.redo() == "Move bird"
    assert h.scene.track(t.id).start == pytest.approx(0.3)
    h.mark_saved()
    assert not h.modified
    assert not h.apply("nothing", h.scene)  # no change, no undo step
