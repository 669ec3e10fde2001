"""The scene's tracks on the OpenGL sphere (under Xvfb): a path per other mono track in its
colour, a dot per source at the playhead, following the sphere when it is switched on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from helpers.scene_media import media_set

from ambisketch.engine.spatial.presets import preset
from ambisketch.ui.path import PathEditor
from ambisketch.ui.scene import SceneController, SceneOverlay

pytestmark = pytest.mark.gl


def test_tracks_and_sources_on_the_sphere(qtbot, tmp_path: Path) -> None:
    media = media_set(tmp_path / "media")
    editor = PathEditor(gl=False)
    qtbot.addWidget(editor)
    editor.show()
    c = SceneController()
    overlay = SceneOverlay(c, editor)
    editor.set_gl_enabled(True)  # the sphere appears after the overlay: it follows
    qtbot.waitExposed(editor.sphere)
    bird = c.add_file(media["mono"], start=0.0, path_of_mono=preset("orbit", 2.0))
    owl = c.add_file(media["mono"], start=0.0, path_of_mono=preset("static", 2.0))
    c.edit(bird.id, "Colour", colour="#00ff00")
    c.select("")
    assert set(overlay._gl_paths) == {bird.id, owl.id}
    line = overlay._gl_paths[bird.id]
    assert line in editor.sphere.items
    np.testing.assert_allclose(line.color[:3], (0.0, 1.0, 0.0))
    c.set_playhead(0.5)  # the orbit a quarter of the way: at the left (+y)
    pos = overlay._gl_sources.pos
    assert pos.shape == (2, 3)
    np.testing.assert_allclose(pos[0] / np.linalg.norm(pos[0]), (0.0, 1.0, 0.0), atol=1e-6)
    editor.sphere.grabFramebuffer()  # draws without a GL error
