"""The generate controls: settings → a GenerationRequest, shortcuts, the model picker."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from ambisketch.engine.catalog import BundleEntry
from ambisketch.engine.generate import GenerationRequest
from ambisketch.engine.spatial.presets import preset
from ambisketch.ui.generate_panel import OPEN_BUNDLE, GeneratePanel


def test_request_follows_the_controls(qtbot) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    path = preset("orbit", 4.0)
    panel.prompt.setEditText("  a dog barking ")
    panel.seconds.setValue(4.0)
    panel.random_seed.setChecked(False)
    panel.seed.setValue(1234)
    panel.steps.setValue(20)
    panel.cfg.setValue(3.5)
    panel.variations.setValue(2)
    panel.lock_path.setChecked(True)
    r = panel.request(path)
    assert (r.prompt, r.seconds, r.seed, r.steps, r.cfg_scale, r.variations) == (
        "a dog barking",
        4.0,
        1234,
        20,
        3.5,
        2,
    )
    assert r.path is path and r.lock_path and r.mode == "parametric"
    assert r.parametric == {} and r.timbre == 1.0  # the timbre prior on by default
    panel.timbre.setValue(0.4)
    assert panel.request(path).timbre == 0.4

    panel.set_mode("descriptive")
    r = panel.request(path)
    assert r.path is None and not r.lock_path and r.mode == "descriptive"
    panel.random_seed.setChecked(True)
    assert panel.request(path).seed is None


def test_room_values_reach_the_request(qtbot) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    panel.room_box.setChecked(True)
    panel.room.setCurrentIndex(panel.room.findData("large"))
    panel.distance.setValue(8.0)
    values = panel.request(None).parametric
    from ambisketch.engine.spatial.room import ROOM_PRESETS, room_size_of

    w, d, h, rt60 = ROOM_PRESETS["large"]
    assert values == {
        "distance": 8.0,
        "room_size": pytest.approx(room_size_of(w * d * h)),
        "decay_time": pytest.approx(rt60),
    }  # what training gives such a sample
    panel.room.setCurrentIndex(panel.room.findData(""))
    assert panel.request(None).parametric == {"distance": 8.0, "room_size": 0.0, "decay_time": 0.0}


def test_ctrl_enter_generates_and_escape_cancels_only_when_busy(qtbot) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    with qtbot.waitSignal(panel.generate_requested, timeout=1000):
        qtbot.keyClick(
            panel.prompt.lineEdit(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
        )
    panel.set_busy(True)
    with qtbot.assertNotEmitted(panel.generate_requested):
        panel.generate_button.click()
    assert not panel.generate_button.isEnabled() and panel.cancel_button.isEnabled()
    with qtbot.waitSignal(panel.cancel_requested, timeout=1000):
        panel.cancel_button.click()
    panel.set_progress(3, 10)
    assert (panel.progress.value(), panel.progress.maximum()) == (3, 10)
    panel.set_busy(False)
    assert panel.generate_button.isEnabled() and not panel.progress.isVisible()


def test_apply_request_shows_a_takes_settings(qtbot) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    req = GenerationRequest("rain on a tin roof", None, 6.0, 77, 30, 5.0, variations=3, timbre=0.3)
    panel.apply_request(req)
    assert panel.prompt_text() == "rain on a tin roof" and panel.mode_key() == "descriptive"
    assert panel.seed.value() == 77 and not panel.random_seed.isChecked()
    assert panel.request(None).to_dict() == req.to_dict()


def test_model_picker_lists_bundles_and_offers_open(qtbot, tmp_path: Path) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    a = BundleEntry(tmp_path / "a", "starter", 10.0, "default")
    b = BundleEntry(tmp_path / "b", "my sounds", 8.0, "user")
    panel.set_models([a, b], str(b.path))
    assert panel.model_path() == str(b.path)
    with qtbot.waitSignal(panel.model_changed, timeout=1000) as sig:
        panel.model.activated.emit(0)
    assert sig.args == [str(a.path)]
    open_index = panel.model.findData(OPEN_BUNDLE)
    with qtbot.waitSignal(panel.open_bundle_requested, timeout=1000):
        panel.model.setCurrentIndex(open_index)
        panel.model.activated.emit(open_index)
    assert panel.model_path() == str(a.path)  # still the previous choice

    panel.set_models([])
    assert panel.model_path() == "" and "No model" in panel.model.itemText(0)


def test_choosing_a_model_applies_its_own_sampler_settings(qtbot, tmp_path: Path) -> None:
    panel = GeneratePanel()
    qtbot.addWidget(panel)
    a = BundleEntry(
        tmp_path / "a",
        "starter",
        10.0,
        "default",
        {"steps": 24, "cfg_scale": 4.5, "sampler": "dpmpp-2m"},
    )
    b = BundleEntry(tmp_path / "b", "plain", 8.0, "user")  # no defaults: Stable Audio's
    panel.set_models([a, b], str(b.path))
    panel.steps.setValue(80)  # the user's own choice survives start-up (settings restore it)
    assert panel.request(None).sampler == "dpmpp-3m-sde" and panel.steps.value() == 80
    panel.model.setCurrentIndex(0)
    panel.model.activated.emit(0)
    req = panel.request(None)
    assert (req.steps, req.cfg_scale, req.sampler) == (24, 4.5, "dpmpp-2m")
    panel.model.setCurrentIndex(1)
    panel.model.activated.emit(1)
    req = panel.request(None)
    assert (req.steps, req.cfg_scale, req.sampler) == (100, 7.0, "dpmpp-3m-sde")
