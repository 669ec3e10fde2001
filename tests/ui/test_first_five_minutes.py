"""Issue 21: the app's first five minutes on a new account, as a sound designer expects them.

Each test builds the real main window with fresh settings and a fresh home folder (the
autouse fixture in ``conftest.py``): nothing of a previous session is there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QMessageBox

from ambisketch.app.settings import Settings
from ambisketch.app.workers import SyncRunner
from ambisketch.ui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    w = MainWindow(SyncRunner(), Settings(tmp_path / "settings.ini"), gl=False)
    w.warnings = warnings  # type: ignore[attr-defined]
    qtbot.addWidget(w)
    return w


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_window_fits_a_laptop_screen(qtbot, window: MainWindow, size: tuple[int, int]) -> None:
    """Item 3: the window's minimum fits 1280x720; the model picker shows its whole name."""
    w = window
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 700, hint
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    assert (w.width(), w.height()) == size
    combo = w.panel.model
    assert combo.currentText() and combo.width() >= combo.sizeHint().width(), (
        combo.width(),
        combo.sizeHint().width(),
    )
    assert w.splitter.isCollapsible(0) and w.splitter.isCollapsible(2)
    assert not w.splitter.isCollapsible(1)  # the path editor never disappears
    # The panel scrolls where the screen is short, and nothing is cut off.
    assert w.panel_scroll.widget() is w.panel


def test_first_start_fills_the_screen_up_to_1440x900(qtbot, window: MainWindow) -> None:
    """Item 3: a new account's window opens at the screen's free size (at most 1440x900),
    not at its minimum, so the model picker shows its whole name from the start."""
    w = window
    free = w.screen().availableGeometry()
    want = w.first_size()
    assert (want.width(), want.height()) == (min(1440, free.width()), min(900, free.height()))
    assert (w.width(), w.height()) == (want.width(), want.height())  # not Qt's 640x480


def test_one_length_control_and_an_undo_button_that_keeps_its_width(
    qtbot, window: MainWindow
) -> None:
    """Item 8: one Length control (the panel's) drives the path; Undo's text is fixed."""
    w = window
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    seconds_boxes = [
        b
        for b in w.findChildren(QAbstractSpinBox)
        if b.isVisible() and b.property("suffix") == " s" and b is not w.panel.decay
    ]
    assert seconds_boxes == [w.panel.seconds]
    assert not w.path_editor.duration_box.isVisible()
    w.panel.seconds.setValue(6.0)
    assert w.path_editor.document.duration() == pytest.approx(6.0)
    w.path_editor.document.apply_preset("orbit")
    undo = next(
        b
        for b in w.path_editor.findChildren(type(w.path_editor.table_button))
        if b.defaultAction() is w.path_editor.undo_action
    )
    width = undo.width()
    for i in range(4):
        w.path_editor.document.add_keyframe(0.5 + i, 30.0 * i, 10.0)
        QApplication.processEvents()
        assert undo.text() == "Undo" and undo.width() == width
    assert "add keyframe" in w.path_editor.undo_action.toolTip()


def _add_take(w: MainWindow, tmp_path: Path, seconds: float = 1.0) -> None:
    import numpy as np

    from ambisketch.engine.generate import GenerationRequest, Take
    from ambisketch.engine.spatial.ambisonics import encode
    from ambisketch.engine.spatial.presets import preset

    rate = 16000
    x = (np.random.default_rng(0).standard_normal(int(rate * seconds)) * 0.1).astype(np.float32)
    path = preset("orbit", seconds)
    w.takes.add_take(
        Take(
            encode(x, path, rate),
            rate,
            GenerationRequest("a bee buzzing", path, seconds, seed=3),
            0,
            {},
            {"name": "t"},
        )
    )


def test_space_plays_everywhere_but_text_fields_and_says_why_it_cannot(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 7: Space in the take list, the map, the timeline or on a button asks the
    transport to play; in the prompt it types; without a device the status bar says so."""
    w = window
    w.show()
    qtbot.waitExposed(w)
    calls: list[int] = []
    bar = w.transport
    monkeypatch.setattr(type(bar), "play_pause", lambda self: calls.append(1))
    w.activateWindow()
    w.path_editor.flat_map.setFocus()
    QApplication.processEvents()
    qtbot.keyClick(w.path_editor.flat_map, Qt.Key.Key_Space)  # no take yet: explained
    assert calls == [] and "generate one first" in w.statusBar().currentMessage()
    _add_take(w, tmp_path)
    assert w.takes.current() is not None and bar.transport is not None
    bar._can_play = True  # as with an output device
    for target in (
        w.takes.view,
        w.path_editor.flat_map,
        w.path_editor.timeline,
        w.panel.generate_button,
        w.panel.mode,
    ):
        target.setFocus()
        QApplication.processEvents()
        before = len(calls)
        qtbot.keyClick(target, Qt.Key.Key_Space)
        assert len(calls) == before + 1, type(target).__name__
    assert w.takes.current() is not None  # the list did not use Space to change selection
    # In the prompt, Space is a character.
    w.panel.prompt.lineEdit().setFocus()
    w.panel.prompt.setEditText("dog")
    qtbot.keyClick(w.panel.prompt.lineEdit(), Qt.Key.Key_Space)
    assert w.panel.prompt.currentText() == "dog " and len(calls) == 5
    # No audio device: Space says why instead of doing nothing.
    bar._can_play = False
    w.takes.view.setFocus()
    qtbot.keyClick(w.takes.view, Qt.Key.Key_Space)
    assert len(calls) == 5 and "no audio output device" in w.statusBar().currentMessage()


def _tick_label_rects(axis) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QPainter, QPixmap

    pm = QPixmap(10, 10)
    painter = QPainter(pm)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    if specs is None:
        return []
    return [(text, axis.mapRectToScene(rect)) for rect, _flags, text in specs[2]]


def test_empty_take_view_axis_labels_do_not_overlap(qtbot, window: MainWindow) -> None:
    """Item 10: the waveform's and the spectrogram's left axes meet; no labels overprint."""
    w = window
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    view = w.take_view
    QApplication.processEvents()
    labels = (
        _tick_label_rects(view.wave.getAxis("left"))
        + _tick_label_rects(view.spec.getAxis("left"))
        + _tick_label_rects(view.spec.getAxis("bottom"))
    )
    assert len(labels) >= 6
    for i, (text_a, a) in enumerate(labels):
        for text_b, b in labels[i + 1 :]:
            assert not a.intersects(b), f"{text_a!r} overlaps {text_b!r}"


def test_transport_icons_look_disabled_and_stop_is_visible_on_dark(
    qtbot, window: MainWindow
) -> None:
    """Item 10: a disabled transport icon is drawn dimmer than an enabled one, and the Stop
    icon stands out from the dark theme's background."""
    import numpy as np
    from PySide6.QtGui import QIcon

    def ink(icon: QIcon, mode: QIcon.Mode) -> tuple[float, float]:
        """Mean alpha-weighted lightness and coverage of the icon's pixels."""
        img = icon.pixmap(24, 24, mode).toImage()
        px = [img.pixelColor(x, y) for x in range(img.width()) for y in range(img.height())]
        alpha = np.array([c.alphaF() for c in px])
        light = np.array([c.lightnessF() for c in px])
        return float((alpha * light).sum() / max(alpha.sum(), 1e-9)), float(alpha.mean())

    w = window
    w.set_theme("dark", save=False)
    bar = w.transport
    assert not bar.play_button.isEnabled()  # no take yet
    bg = w.palette().color(w.backgroundRole()).lightnessF()
    for button in (bar.play_button, bar.stop_button):
        light, cover = ink(button.icon(), QIcon.Mode.Normal)
        assert cover > 0.05 and abs(light - bg) > 0.4, (light, bg)  # visible on dark grey
        _, dim_cover = ink(button.icon(), QIcon.Mode.Disabled)
        assert dim_cover < 0.6 * cover  # disabled: clearly fainter
    w.set_theme("light", save=False)
    bg = w.palette().color(w.backgroundRole()).lightnessF()
    light, _ = ink(bar.stop_button.icon(), QIcon.Mode.Normal)
    assert abs(light - bg) > 0.4


def test_map_labels_and_legend_leave_the_map_readable(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """Item 9: keyframe numbers do not overprint (an orbit starts and ends at the front),
    and the legend sits outside the map."""
    w = window
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    doc, fmap = w.path_editor.document, w.path_editor.flat_map
    doc.apply_preset("orbit")
    QApplication.processEvents()
    shown = [lab for lab in fmap._labels if lab.isVisible()]
    texts = [lab.toPlainText() for lab in shown]
    assert "1, 5" in texts or "5, 1" in texts or any("," in t for t in texts), texts
    assert sorted(int(n) for t in texts for n in t.split(", ")) == list(
        range(1, len(doc.keyframes()) + 1)
    )
    fmap.grab()  # labels place themselves when painted
    rects = [lab.textItem.sceneBoundingRect() for lab in shown]
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert not a.intersects(b), (texts, rects)
    # A take's measured track brings the legend; it must not cover the map.
    _add_take(w, tmp_path)
    QApplication.processEvents()
    assert fmap.legend.isVisible()
    vb = fmap.getPlotItem().getViewBox().sceneBoundingRect()
    assert not fmap.legend.sceneBoundingRect().intersects(vb)


def test_freehand_keeps_an_ellipse_to_a_few_keyframes_and_is_adjustable(
    qtbot, window: MainWindow
) -> None:
    """Item 9: a drawn ellipse becomes a handful of keyframes by default, and the toolbar's
    smoothing control changes how many."""
    import numpy as np

    w = window
    doc, editor = w.path_editor.document, w.path_editor
    t = np.linspace(0.0, 2.0, 121)  # a 2 s stroke at 60 mouse events per second
    az, el = 90.0 * np.sin(np.pi * t), 30.0 * np.cos(np.pi * t)
    assert doc.draw_stroke(t, az, el)
    default = len(doc.keyframes())
    assert default <= 10, default  # 19 before
    editor.smoothing.setValue(2.0)
    assert doc.draw_stroke(t, az, el)
    fine = len(doc.keyframes())
    editor.smoothing.setValue(20.0)
    assert doc.draw_stroke(t, az, el)
    assert len(doc.keyframes()) < default < fine


def test_take_list_shows_placement_error_and_loudness_at_a_glance(
    qtbot, window: MainWindow
) -> None:
    """Item 6 (and issue 19.4): each row carries a placement badge, the measured error
    against the take's own path and the loudness — no tooltip needed."""
    import numpy as np
    from PySide6.QtGui import QColor

    from ambisketch.engine.generate import GenerationRequest, Take
    from ambisketch.engine.spatial.ambisonics import encode
    from ambisketch.engine.spatial.presets import preset
    from ambisketch.ui.takes.take_model import BADGE_COLORS, glance

    w = window
    rate, seconds = 16000, 1.0
    x = (np.random.default_rng(0).standard_normal(rate) * 0.1).astype(np.float32)
    path = preset("orbit", seconds)
    for placement, err, lufs in (
        ("held", 0.4, -23.0),
        ("learned", 41.0, -30.5),
        ("locked", 3.0, None),
    ):
        w.takes.add_take(
            Take(
                encode(x, path, rate),
                rate,
                GenerationRequest(f"a bee {placement}", path, seconds, seed=3),
                0,
                {},
                {"name": "t"},
                placement=placement,
                path=path,
                path_errors={"spatial_angle": err},
                loudness_lufs=lufs,
            )
        )
    records = {r.placement: r for r in w.takes.model.records()}
    assert glance(records["held"]) == ("held", "0.4°", "-23.0 LUFS")
    assert glance(records["learned"]) == ("learned", "41.0°", "-30.5 LUFS")
    assert glance(records["locked"]) == ("locked", "3.0°", "")
    w.resize(1280, 720)
    w.show()
    qtbot.waitExposed(w)
    w.takes.view.clearSelection()
    image = w.takes.view.viewport().grab().toImage()
    colors = {
        image.pixelColor(px, py).name()
        for px in range(0, image.width(), 2)
        for py in range(0, image.height(), 2)
    }
    for placement, color in BADGE_COLORS.items():
        assert QColor(color).name() in colors, f"no {placement} badge drawn"


@pytest.fixture(scope="module")
def factored_generator():
    """A tiny factored model (its takes keep latents), with the real text encoder."""
    from helpers.tiny_model import tiny_bundle

    from ambisketch.engine.generate import Generator

    return Generator(tiny_bundle("factored", 1.0), device="cpu")


def test_editing_the_path_repaths_a_take_with_latents(
    qtbot, tmp_path: Path, factored_generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 4 / issue 19.3: with a take selected, a path edit re-renders it off the GUI
    thread; the overlay, the figure and the preview are the re-pathed take's, and
    'Keep as new take' stores it."""
    from ambisketch.app.workers import TaskRunner
    from ambisketch.engine.generate import GenerationRequest
    from ambisketch.engine.spatial.trajectory import Keyframe, Trajectory

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    w = MainWindow(TaskRunner(), Settings(tmp_path / "settings.ini"), gl=False)
    qtbot.addWidget(w)
    sweep = Trajectory(1.0, (Keyframe(0.0, 80.0), Keyframe(1.0, -80.0, 20.0, direction="cw")))
    take = factored_generator.generate(
        GenerationRequest(
            "a bee buzzing", sweep, 1.0, seed=3, steps=4, cfg_scale=3.0, loudness_lufs=None
        )
    )[0]
    record = w.takes.add_take(take)
    assert record.has_latents and w.takes.current().path == record.path
    own = w.path_editor.document.measured().label
    assert "own path" in own
    w.panel.seconds.setValue(1.0)
    w.path_editor.document.set_trajectory(Trajectory.static(-120.0, 30.0, 1.0))
    qtbot.waitUntil(lambda: w.repath.preview is not None and not w.repath.busy(), timeout=60_000)
    label = w.path_editor.document.measured().label
    assert label.startswith("re-pathed take") and label != own
    assert "Re-pathed onto the edited path" in w.take_view.errors_label.text()
    path, foa = w.repath.preview
    assert path.keyframes[0].azimuth == -120.0
    # the preview's high band is estimated off the GUI thread too; then it is loaded
    qtbot.waitUntil(lambda: w.transport.transport is not None, timeout=60_000)
    assert np.allclose(w.transport.transport.duration, foa.shape[1] / record.rate)
    # The figure is the re-pathed take's own: a static target is followed closely.
    err = float(label.split(", ")[1].split("°")[0])
    assert err < 15.0, label
    assert w.take_view.keep_button.isVisibleTo(w.take_view)
    w.take_view.keep_button.click()
    kept = w.takes.current()
    assert kept.path != record.path and kept.placement == "held"
    assert kept.trajectory.keyframes[0].azimuth == -120.0
    w.runner.cancel_all(wait=10)


def test_editing_the_path_marks_a_take_without_latents_stale(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """Item 4: a take that cannot be re-pathed keeps its own figure, marked stale, and
    is fresh again when the path is its own again."""
    w = window
    _add_take(w, tmp_path)
    doc = w.path_editor.document
    own = doc.measured().label
    assert "° off its own path" in own
    doc.add_keyframe(0.5, 40.0, 10.0)
    assert "stale" in doc.measured().label
    assert "Path edited" in w.take_view.errors_label.text()
    assert w.take_view.errors_label.text().count("refers to the take's own path") == 1
    doc.set_trajectory(w.takes.current().trajectory)  # 'Use This Take's Path'
    assert doc.measured().label == own


def test_text_only_shows_what_the_words_say_or_greys_the_path(qtbot, window: MainWindow) -> None:
    """Item 5 / issue 19.2: in Text only the editor shows the path the prompt's words
    describe (editing it makes it a drawn path and switches to Follow the drawn path), or
    greys the unused drawn path out when there are no spatial words."""
    from ambisketch.engine.spatial.spatial_words import parse_spatial_words
    from ambisketch.ui.path.style import colors_for

    w = window
    doc, editor, panel = w.path_editor.document, w.path_editor, w.panel
    doc.apply_preset("orbit")
    drawn = doc.trajectory()
    drawn_pen = w.path_editor.flat_map.path_curve.opts["pen"].color().name()
    panel.set_mode("descriptive")
    panel.prompt.setEditText("a dog barking")
    w.words_path.update()
    assert doc.dimmed() and doc.trajectory() == drawn
    assert "no spatial words" in editor.caption.text()
    grey = w.path_editor.flat_map.path_curve.opts["pen"].color().name()
    assert grey != drawn_pen and grey == colors_for(w.path_editor.flat_map).path.name()
    steps = doc.undo_stack.count()
    panel.prompt.setEditText("a car passing from left to right")
    w.words_path.update()
    said = parse_spatial_words("a car passing from left to right", panel.seconds.value())
    assert said is not None and not doc.dimmed()
    assert doc.trajectory().keyframes == said.keyframes and doc.showing_words()
    assert "the words say" in editor.caption.text()
    assert doc.undo_stack.count() == steps  # showing the words' path is not an edit
    # Back to the drawn path in Follow mode; then edit the words' path: it becomes drawn.
    panel.set_mode("parametric")
    assert doc.trajectory() == drawn and not doc.dimmed()
    panel.set_mode("descriptive")
    assert doc.trajectory().keyframes == said.keyframes
    doc.move_keyframe(0, azimuth=120.0)
    assert panel.mode_key() == "parametric" and not doc.showing_words()
    assert doc.trajectory().keyframes[0].azimuth == 120.0
    assert "Caption" in editor.caption.text()


def test_a_descriptive_take_has_no_click_at_its_edges(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 10: the shipped model's decoder leaves a burst in a take's first and last few
    milliseconds (measured up to 13x the level next to it: the spike at the end of a
    descriptive take's waveform). A take generated from the window in Text only fades in
    and out over 10 ms: its first and last millisecond are far below the audio next to them."""
    from ambisketch.app.workers import TaskRunner

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)
    w = MainWindow(TaskRunner(), Settings(tmp_path / "settings.ini"), gl=False)
    qtbot.addWidget(w)
    assert w.panel.model_path()  # the shipped starter model
    w.panel.set_mode("descriptive")
    w.panel.prompt.setEditText("birds chirping in a forest")
    w.panel.seconds.setValue(2.0)
    w.panel.steps.setValue(4)
    w.panel.random_seed.setChecked(False)
    w.panel.seed.setValue(1)
    with qtbot.waitSignal(w.generation.takes_ready, timeout=300_000):
        w.generation.start()
    foa, rate = w.store.load(w.takes.current())
    ms = rate // 1000
    w_rms = [
        float(np.sqrt(np.mean(foa[0, a:b] ** 2)))
        for a, b in ((0, ms), (10 * ms, 30 * ms), (-30 * ms, -10 * ms), (-ms, None))
    ]
    first, after_start, before_end, last = w_rms
    assert first <= 0.25 * after_start and last <= 0.25 * before_end, w_rms
    w.runner.cancel_all(wait=10)


def test_the_preview_follows_the_export_dialogs_highs_box(
    qtbot, tmp_path: Path, factored_generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unticking "Estimate the highs" in the export dialog reloads the selected take's preview
    at its own 16 kHz (what is heard is what is written), ticking it again at 48 kHz."""
    from ambisketch.engine.generate import GenerationRequest
    from ambisketch.ui import main_window as mw

    w = MainWindow(SyncRunner(), Settings(tmp_path / "settings.ini"), gl=False)
    qtbot.addWidget(w)
    take = factored_generator.generate(
        GenerationRequest("rain", None, 1.0, seed=1, steps=3, loudness_lufs=None)
    )[0]
    record = w.takes.add_take(take)
    assert w.transport.transport is not None and w.transport.transport.rate == 48000
    for tick, rate in ((False, 16000), (True, 48000)):

        class Dialog:  # the user changes the box and exports
            def __init__(self, *a, settings, **k) -> None:  # type: ignore[no-untyped-def]
                self.settings = settings

            def exec(self, tick: bool = tick) -> int:
                self.settings.set("export/highs", tick)
                return 1

        monkeypatch.setattr(mw, "ExportDialog", Dialog)
        w._export(record)
        assert w.transport.transport is not None and w.transport.transport.rate == rate
