"""Undo and redo for scene edits: a stack of named commands over immutable scenes.

A command is (label, scene before, scene after). Because scenes are immutable values, undo
restores the earlier value exactly — no inverse operation to get wrong. Commands given the
same ``merge`` key one after another (the moves of one mouse drag) become one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .scene import Scene

MAX_STEPS = 500


@dataclass(frozen=True)
class Command:
    label: str
    before: Scene
    after: Scene
    merge: str | None = None


class SceneHistory:
    """The current scene, its undo/redo stacks and whether it changed since the last save."""

    def __init__(self, scene: Scene | None = None) -> None:
        self._scene = scene if scene is not None else Scene()
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._saved: Scene | None = self._scene
        self._merge_open = False
        self.listeners: list[Callable[[Scene], None]] = []

    @property
    def scene(self) -> Scene:
        return self._scene

    @property
    def modified(self) -> bool:
        return self._scene is not self._saved

    def mark_saved(self) -> None:
        self._saved = self._scene

    def reset(self, scene: Scene) -> None:
        """Start over with ``scene`` (a new or opened scene): nothing to undo, not modified."""
        self._scene = self._saved = scene
        self._undo.clear()
        self._redo.clear()
        self._notify()

    def apply(self, label: str, scene: Scene, merge: str | None = None) -> bool:
        """Make ``scene`` current as the command ``label``; False when nothing changed."""
        if scene == self._scene:
            return False
        last = self._undo[-1] if self._undo else None
        if merge is not None and self._merge_open and last is not None and last.merge == merge:
            self._undo[-1] = Command(label, last.before, scene, merge)
        else:
            self._undo.append(Command(label, self._scene, scene, merge))
            del self._undo[:-MAX_STEPS]
        self._merge_open = merge is not None
        self._redo.clear()
        self._scene = scene
        self._notify()
        return True

    def end_merge(self) -> None:
        """The drag is over: the next command starts a new undo step even with the same key."""
        self._merge_open = False

    @property
    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    @property
    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> str | None:
        if not self._undo:
            return None
        cmd = self._undo.pop()
        self._redo.append(cmd)
        self._scene = cmd.before
        self._merge_open = False
        self._notify()
        return cmd.label

    def redo(self) -> str | None:
        if not self._redo:
            return None
        cmd = self._redo.pop()
        self._undo.append(cmd)
        self._scene = cmd.after
        self._merge_open = False
        self._notify()
        return cmd.label

    def _notify(self) -> None:
        for fn in list(self.listeners):
            fn(self._scene)
