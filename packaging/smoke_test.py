"""Smoke test of a frozen build: its self-test passes and its window opens under Xvfb.

1. ``APP/ambisketch --self-test`` (offscreen) must exit 0 with ``self-test passed``.
2. ``APP/ambisketch`` (the desktop app) starts on a private Xvfb display with a private home
   folder, must still be running after ``--wait`` seconds, and the screen is saved as a PNG.
3. Its output and its log must hold no traceback and no import error.

Usage::

    .venv/bin/python packaging/smoke_test.py [--app dist/ambisketch] [--model BUNDLE_DIR]
                                             [--screenshot packaging/screenshot.png]

Exit status 0 when all of it passed, 1 otherwise (the last line says what failed). Needs
Xvfb (``apt-get install xvfb``) and, for the screenshot, PySide6 and numpy in the Python
running this script (the project's .venv) or ImageMagick's ``import``. CI runs it through
tests/test_packaging.py only when a build exists (building is too slow for CI).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_APP = ROOT / "dist" / "ambisketch"
# What must never appear in a frozen app's output or log: a missing module is a packaging bug.
BAD_LOG = re.compile(
    r"Traceback \(most recent call last\)|ModuleNotFoundError|ImportError|"
    r"Could not load the Qt platform plugin|cannot open shared object file"
)
SELF_TEST_TIMEOUT = 300.0


class SmokeFailed(Exception):
    """One line: what went wrong."""


def executable(app: Path) -> Path:
    exe = app / ("ambisketch.exe" if sys.platform == "win32" else "ambisketch")
    if not exe.is_file():
        raise SmokeFailed(f"{exe}: no such executable (build it with packaging/build.sh)")
    return exe


def private_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment with a throw-away home: settings, logs and caches go there."""
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for key in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"):  # the frozen app brings its own
        env.pop(key, None)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        **extra,
    )
    return env


def check_log(text: str, where: str) -> None:
    match = BAD_LOG.search(text)
    if match:
        line = next(ln for ln in text.splitlines() if match.group(0) in ln)
        raise SmokeFailed(f"{where}: {line.strip()}")


def run_self_test(exe: Path, home: Path, model: Path | None) -> str:
    cmd = [str(exe), "--self-test"] + (["--model", str(model)] if model else [])
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd,
            env=private_env(home, QT_QPA_PLATFORM="offscreen"),
            capture_output=True,
            text=True,
            timeout=SELF_TEST_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise SmokeFailed(f"self-test: no result after {SELF_TEST_TIMEOUT:.0f} s") from None
    print(proc.stdout + proc.stderr, end="", flush=True)
    lines = proc.stdout.strip().splitlines()
    last = lines[-1] if lines else "(no output)"
    if proc.returncode != 0 or not last.startswith("self-test passed"):
        raise SmokeFailed(f"self-test (exit {proc.returncode}): {last}")
    check_log(proc.stdout + proc.stderr, "self-test output")
    return f"{last} (wall {time.perf_counter() - t0:.1f} s)"


def start_xvfb(size: str) -> tuple[subprocess.Popen, str]:
    """A private X server; returns it and its DISPLAY."""
    if shutil.which("Xvfb") is None:
        raise SmokeFailed("Xvfb is not installed (apt-get install xvfb)")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", size, "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:  # Xvfb writes its display number once it is ready
        number = pipe.readline().strip()
    if not number:
        server.kill()
        raise SmokeFailed("Xvfb did not start")
    return server, f":{number}"


def screenshot(display: str, out: Path) -> None:
    """Save the app's window from the X screen: Qt in a subprocess (cropped to the window),
    or ImageMagick's ``import`` when PySide6 is missing here."""
    out.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    if importlib.util.find_spec("PySide6") is not None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--grab-screen", str(out)]
    elif shutil.which("import"):
        cmd = ["import", "-window", "root", str(out)]
    else:
        raise SmokeFailed("no way to take a screenshot (PySide6 or ImageMagick's import)")
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 or not out.is_file():
        raise SmokeFailed(f"screenshot failed: {(proc.stderr or proc.stdout).strip()[:200]}")


def grab_screen(out: Path) -> int:
    """(In a subprocess on the Xvfb display.) Grab the screen, crop the empty background
    around the window, write a PNG."""
    import numpy as np
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    image = app.primaryScreen().grabWindow(0).toImage().convertToFormat(QImage.Format.Format_RGB32)
    w, h = image.width(), image.height()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine() // 4, 4)
    # Xvfb's empty screen is black; the window sits at the top left, so the bottom-right
    # corner is background unless the window fills the screen (then nothing is cropped).
    background = pixels[h - 1, w - 1, :3]
    used = (pixels[:, :w, :3] != background).any(axis=2)
    rows, cols = np.flatnonzero(used.any(axis=1)), np.flatnonzero(used.any(axis=0))
    if not background.any() and rows.size and cols.size:
        image = image.copy(
            int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)
        )
    return 0 if image.save(str(out), "PNG") else 1


def run_window(exe: Path, home: Path, wait: float, shot: Path | None, size: str) -> str:
    server, display = start_xvfb(size)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "gui-output.txt"
    try:
        env = private_env(home, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        print(f"$ DISPLAY={display} {exe}", flush=True)
        with open(log_path, "w", encoding="utf-8") as log:
            app = subprocess.Popen(
                [str(exe)], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            try:
                time.sleep(wait)
                if app.poll() is not None:
                    output = log_path.read_text(encoding="utf-8", errors="replace")
                    raise SmokeFailed(
                        f"the app exited with status {app.returncode} within "
                        f"{wait:g} s: {output.strip()[-300:]}"
                    )
                if shot is not None:
                    screenshot(display, shot)
            finally:
                if app.poll() is None:
                    os.killpg(app.pid, signal.SIGTERM)
                    try:
                        app.wait(10)
                    except subprocess.TimeoutExpired:
                        os.killpg(app.pid, signal.SIGKILL)
                        app.wait()
    finally:
        server.terminate()
        server.wait(10)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    if output.strip():
        print(output, end="" if output.endswith("\n") else "\n", flush=True)
    check_log(output, "app output")
    for path in sorted(home.rglob("*.log")):  # the app's own log (platformdirs' log folder)
        check_log(path.read_text(encoding="utf-8", errors="replace"), str(path))
    where = f", screenshot at {shot}" if shot is not None else ""
    return f"window open for {wait:g} s on Xvfb{where}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--app", type=Path, default=DEFAULT_APP, help=f"the build folder (default: {DEFAULT_APP})"
    )
    parser.add_argument(
        "--model",
        type=Path,
        help="model bundle for the self-test (default: the one the build ships)",
    )
    parser.add_argument("--screenshot", type=Path, help="save the screen as this PNG")
    parser.add_argument(
        "--wait",
        type=float,
        default=12.0,
        metavar="S",
        help="seconds the window must stay up (default 12)",
    )
    parser.add_argument("--size", default="1280x800x24", help="Xvfb screen (default 1280x800x24)")
    parser.add_argument("--no-window", action="store_true", help="run the self-test only")
    parser.add_argument("--grab-screen", type=Path, help=argparse.SUPPRESS)  # internal
    args = parser.parse_args(argv)
    if args.grab_screen:
        return grab_screen(args.grab_screen)
    try:
        exe = executable(args.app.resolve())
        with tempfile.TemporaryDirectory(prefix="ambisketch-smoke-") as tmp:
            results = [run_self_test(exe, Path(tmp) / "self-test", args.model)]
            if not args.no_window:
                results.append(
                    run_window(exe, Path(tmp) / "gui", args.wait, args.screenshot, args.size)
                )
    except SmokeFailed as exc:
        print(f"smoke test failed: {exc}", flush=True)
        return 1
    print("smoke test passed: " + "; ".join(results), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
