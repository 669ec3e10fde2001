"""Screenshots of the main window at laptop and desktop sizes, in both themes (run under Xvfb
for the GL sphere):

    xvfb-run -a -s "-screen 0 1920x1080x24" .venv/bin/python scripts/screenshot_sizes.py TAKES_DIR

TAKES_DIR holds takes made by ``ambisketch generate`` (WAV, sidecar and latents); they are
copied into a fresh take folder, with a fresh settings file, so the window is what a new
user sees after generating them. The first take is selected and its path shown. Writes
``resources/screenshots/main-window-{dark,light}.png`` (1920x1080, the README's) and
``main-window-{dark,light}-1280x720.png``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = ((1280, 720), (1920, 1080))
THEMES = ("dark", "light")


def main(takes: str) -> None:
    from PySide6.QtCore import QTimer

    from ambisketch.app.gui import application, create_window
    from ambisketch.app.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="ambisketch-shots-"))
    folder = tmp / "takes"
    shutil.copytree(takes, folder)
    app = application()
    settings = Settings(tmp / "settings.ini")
    settings.set("project/folder", str(folder))
    window = create_window(app, settings)
    records = window.store.list()
    first = next((r for r in records if r.trajectory is not None), records[0])
    window.panel.prompt.setEditText(first.prompt)
    window.panel.seconds.setValue(first.seconds)
    if first.trajectory is not None:
        window.path_editor.document.set_trajectory(first.trajectory)
    window.show()
    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    shots = iter([(size, theme) for theme in THEMES for size in SIZES])

    def select() -> None:
        window.takes.select(first.name)
        window.path_editor.document.set_playhead(first.seconds * 0.4)

    def snap() -> None:
        item = next(shots, None)
        if item is None:
            window.close()
            app.quit()
            return
        (w, h), theme = item
        window.set_theme(theme, save=False)
        window.resize(w, h)

        def grab() -> None:
            image = window.grab()
            size = "" if (w, h) == SIZES[-1] else f"-{w}x{h}"
            name = out / f"main-window-{theme}{size}.png"
            image.save(str(name))
            print(f"{name.name}: {image.width()}x{image.height()}")
            snap()

        QTimer.singleShot(1500, grab)

    QTimer.singleShot(800, select)
    QTimer.singleShot(2500, snap)
    app.exec()


if __name__ == "__main__":
    main(sys.argv[1])
