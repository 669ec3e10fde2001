"""Make the README's screenshots of the main window (run under Xvfb for the GL sphere):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py SOUND.wav

A mono sound is placed on the "fly-over" path with ``ambisketch spatialize`` (the same engine
code the app uses), imported as a take, and selected, so the window shows the drawn path, the
take's waveform and spectrogram, and its measured direction over the path. Writes
``resources/screenshots/main-window-dark.png`` and ``…-light.png``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(sound: str) -> None:
    from PySide6.QtCore import QTimer

    from ambisketch.app.gui import application, create_window
    from ambisketch.app.settings import Settings
    from ambisketch.engine.spatial.presets import preset
    from ambisketch.engine.takes import TakeStore

    tmp = Path(tempfile.mkdtemp(prefix="ambisketch-shots-"))
    take = tmp / "bird-fly-over.wav"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "ambisketch",
            "spatialize",
            sound,
            "-o",
            str(take),
            "--path",
            "fly-over",
            "--fit",
        ],
        check=True,
    )
    app = application()
    settings = Settings(tmp / "settings.ini")
    settings.set("project/folder", str(tmp / "takes"))
    window = create_window(app, settings)
    store: TakeStore = window.store
    record = store.add_file(take, name="birds-fly-over")
    seconds = store.load(record)[0].shape[1] / store.load(record)[1]
    window.takes.refresh()
    window.path_editor.document.set_trajectory(preset("fly-over", seconds))
    window.panel.prompt.setEditText("birds chirping overhead")
    window.resize(1600, 960)
    window.show()
    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    shots = iter(("dark", "light"))

    def select() -> None:
        window.takes.select(record.name)
        window.path_editor.document.set_playhead(seconds * 0.4)

    def snap() -> None:
        theme = next(shots, None)
        if theme is None:
            window.close()
            app.quit()
            return
        window.set_theme(theme, save=False)
        QTimer.singleShot(
            1200, lambda: (window.grab().save(str(out / f"main-window-{theme}.png")), snap())
        )

    QTimer.singleShot(800, select)
    QTimer.singleShot(2500, snap)
    app.exec()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main(sys.argv[1])
