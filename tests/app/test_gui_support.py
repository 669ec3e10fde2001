"""The app's GUI plumbing: settings registry, background jobs, the crash log, the catalog."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QByteArray  # noqa: E402

from ambisketch.app.settings import CURRENT_VERSION, VERSION_KEY, Settings  # noqa: E402
from ambisketch.app.workers import SyncRunner, TaskRunner  # noqa: E402
from ambisketch.engine import catalog  # noqa: E402
from ambisketch.engine.errors import Cancelled, EngineError, ModelLoadError  # noqa: E402


def test_settings_types_survive_the_ini_file(tmp_path: Path) -> None:
    s = Settings(tmp_path / "a.ini")
    s.set("generate/steps", 33)
    s.set("generate/cfg", 4.5)
    s.set("generate/lock_path", True)
    s.set("ui/geometry", QByteArray(b"\x01\x02"))
    s.remember("generate/prompt_history", "rain")
    s.remember("generate/prompt_history", "wind")
    assert s.remember("generate/prompt_history", "rain") == ["rain", "wind"]
    s.sync()
    t = Settings(tmp_path / "a.ini")
    assert t.get("generate/steps") == 33 and t.get("generate/cfg") == 4.5
    assert t.get("generate/lock_path") is True
    assert bytes(t.get("ui/geometry")) == b"\x01\x02"
    assert t.get("generate/prompt_history") == ["rain", "wind"]
    assert t.get("ui/theme") == "dark"  # the default
    with pytest.raises(KeyError):
        t.set("no/such/option", 1)


def test_settings_migrate_and_survive_garbage(tmp_path: Path) -> None:
    ini = tmp_path / "old.ini"
    ini.write_text("[generate]\nsteps=not-a-number\n")
    s = Settings(ini)
    assert s.get("generate/steps") == 50  # garbage → the default, not a crash
    s.sync()
    assert f"{VERSION_KEY}={CURRENT_VERSION}" in ini.read_text()


OUTCOMES = ("finished", "failed", "cancelled", "crashed")


def _recorder(seen: dict):
    """A ``connect`` hook that records each outcome signal's arguments in ``seen``."""

    def connect(task) -> None:
        for name in OUTCOMES:
            getattr(task, name).connect(lambda *a, n=name: seen.setdefault(n, a))

    return connect


def test_jobs_report_progress_results_and_cancel_off_the_gui_thread(qtbot) -> None:
    runner = TaskRunner()
    steps, threads, seen = [], [], {}

    def job(progress, cancelled):
        threads.append(threading.current_thread())
        for i in range(3):
            progress(i + 1, 3)
        return "ok"

    def connect(task) -> None:
        task.progressed.connect(lambda s, t: steps.append((s, t)))
        _recorder(seen)(task)

    runner.start("ok", job, connect)
    qtbot.waitUntil(lambda: "finished" in seen, timeout=5000)
    assert seen == {"finished": ("ok",)} and steps[-1] == (3, 3)
    assert threads[0] is not threading.current_thread()

    gate, seen = threading.Event(), {}

    def slow(progress, cancelled):
        gate.set()
        while not cancelled():
            time.sleep(0.01)
        raise Cancelled("stopped")

    task = runner.start("slow", slow, _recorder(seen))
    assert gate.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert seen == {"cancelled": ()}
    assert task.wait(5) and runner.running() == []


def test_errors_and_bugs_are_told_apart(qtbot, caplog) -> None:
    runner = SyncRunner()
    got: dict = {}
    hook = _recorder(got)
    runner.start("user", lambda p, c: (_ for _ in ()).throw(EngineError("x.wav: not audio")), hook)
    assert got == {"failed": ("x.wav: not audio",)}
    got.clear()
    with caplog.at_level(logging.ERROR, logger="ambisketch"):
        runner.start("bug", lambda p, c: 1 / 0, hook)
    assert "ZeroDivisionError" in got["crashed"][0]
    assert "Traceback" in caplog.text


def test_catalog_lists_bundles_without_loading_them(tmp_path: Path, monkeypatch) -> None:
    shipped, user = tmp_path / "res" / "models", tmp_path / "user"
    (shipped / "starter").mkdir(parents=True)
    (shipped / "starter" / "model.json").write_text(
        json.dumps({"name": "Starter", "clip_seconds": 10})
    )
    (user / "mine").mkdir(parents=True)
    (user / "mine" / "model.json").write_text(json.dumps({"clip_seconds": 4}))
    (user / "broken").mkdir()
    (user / "broken" / "model.json").write_text("{nope")
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: shipped)
    monkeypatch.setattr(catalog, "user_models_dir", lambda: user)
    found = catalog.installed_bundles()
    assert [(e.name, e.source, e.clip_seconds) for e in found] == [
        ("Starter", "default", 10.0),
        ("mine", "user", 4.0),
    ]
    assert "built-in" in found[0].label
    assert catalog.default_bundle() == shipped / "starter"
    with pytest.raises(ModelLoadError, match="unreadable"):
        catalog.describe_bundle(user / "broken")
    monkeypatch.setattr(catalog, "shipped_models_dir", lambda: tmp_path / "none")
    monkeypatch.setattr(catalog, "user_models_dir", lambda: tmp_path / "none")
    with pytest.raises(ModelLoadError, match="no generator model is installed"):
        catalog.default_bundle()
