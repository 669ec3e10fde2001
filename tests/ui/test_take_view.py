"""The take view draws a real take: waveform envelope, spectrogram, errors line, playhead."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from ambisketch.engine.generate import GenerationRequest, Take
from ambisketch.engine.spatial import preset
from ambisketch.engine.spatial.ambisonics import encode, encode_static
from ambisketch.engine.takes import TakeRecord, TakeStore
from ambisketch.ui.takes import TakeView
from ambisketch.ui.takes.plot_data import envelope, spectrogram_db

RATE = 16000
SECONDS = 2.0


def _store_take(tmp_path: Path, with_path: bool) -> tuple[TakeStore, TakeRecord]:
    t = np.arange(int(SECONDS * RATE)) / RATE
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)  # a 1 kHz tone
    path = preset("orbit", SECONDS) if with_path else None
    foa = encode(tone, path, RATE) if path is not None else encode_static(tone, 30.0)
    store = TakeStore(tmp_path / "takes")
    record = store.add(
        Take(
            foa,
            RATE,
            GenerationRequest("a whistle", path, SECONDS, seed=5),
            0,
            {},
            {"name": "tiny"},
        )
    )
    return store, record


@pytest.fixture
def view(qtbot) -> TakeView:  # type: ignore[no-untyped-def]
    v = TakeView()
    qtbot.addWidget(v)
    v.resize(700, 420)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_waveform_spectrogram_and_errors_of_a_take(view: TakeView, tmp_path: Path) -> None:
    store, record = _store_take(tmp_path, with_path=True)
    foa, rate = store.load(record)
    track, errors = store.measure(record)
    view.set_take(record, foa, rate, track, errors)
    x, hi = view.wave_hi.getData()
    _, lo = view.wave_lo.getData()
    assert x.size == 2000 and x[-1] == pytest.approx(SECONDS, abs=1e-3)
    assert hi.max() == pytest.approx(0.5, abs=0.01) and lo.min() == pytest.approx(-0.5, abs=0.01)
    image = view.image.image
    assert image is not None and image.shape[1] == 257 and image.max() == pytest.approx(0.0)
    rect = view.image.boundingRect()
    assert rect.width() == image.shape[0] and view.image.mapRectToParent(
        rect
    ).height() == pytest.approx(RATE / 2)
    loudest_bin = int(np.argmax(image.mean(axis=0)))
    assert loudest_bin * RATE / 512 == pytest.approx(1000, abs=RATE / 512)  # the tone's row
    text = view.errors_label.text()
    assert "spatial angle" in text and "azimuth" in text and "elevation" in text
    assert f"{errors.spatial_angle:.1f}°" in text and view.errors_dot.isVisibleTo(view)
    assert "a whistle" == view.title.text() and "16 kHz" in view.info.text()


def test_descriptive_take_says_so_and_clear(view: TakeView, tmp_path: Path) -> None:
    store, record = _store_take(tmp_path, with_path=False)
    foa, rate = store.load(record)
    track, errors = store.measure(record)
    assert errors is None
    view.set_take(record, foa, rate, track, errors)
    assert view.errors_label.text() == "No path — descriptive take (placed by its prompt)"
    assert not view.errors_dot.isVisibleTo(view)
    view.clear()
    assert view.wave_hi.getData()[0] is None or view.wave_hi.getData()[0].size == 0
    assert view.image.image is None and view.title.text() == "No take selected"


def test_playhead_and_click_to_seek(qtbot, view: TakeView, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store, record = _store_take(tmp_path, with_path=True)
    view.set_take(record, *store.load(record))
    view.set_playhead(1.25)
    assert [line.value() for line in view.playheads] == [1.25, 1.25]
    vb = view.spec.getViewBox()
    scene = vb.mapViewToScene(QPointF(0.5, 4000.0))
    pos = view.plots.mapFromScene(scene)
    with qtbot.waitSignal(view.seek_requested) as sig:
        qtbot.mouseClick(view.plots.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert sig.args[0] == pytest.approx(0.5, abs=0.02) and view.playhead() == pytest.approx(
        0.5, abs=0.02
    )


def test_plot_data_helpers() -> None:
    x = np.zeros(10000, dtype=np.float32)
    x[1234] = 0.9
    x[8000] = -0.7
    times, lo, hi = envelope(x, 1000.0, bins=100)
    assert times.size == 100 and hi.max() == pytest.approx(0.9) and lo.min() == pytest.approx(-0.7)
    assert envelope(np.zeros(0), 1000.0)[0].size == 0
    db, hop = spectrogram_db(np.zeros(100), 1000.0)
    assert db.shape == (1, 257) and db.max() == -100.0  # silence: the floor, no NaN
    long_db, long_hop = spectrogram_db(np.random.default_rng(0).standard_normal(480000), 48000.0)
    assert long_db.shape[0] <= 1500 and long_hop > 128
