"""The one undo command of the path editor: replace the path (and the selection) by another.

Trajectories are immutable, so every edit — add, move, delete, a preset, a drawn stroke, a
new duration, opening a file — is "this path before, that path after". Undo and redo swap
whole values, which restores the previous path exactly, bit for bit.

Drags send many moves; the first of a drag is pushed as a new command, the following ones
(``merge=True``) fold into it, so one drag is one undo step. A drag that ends where it
started leaves no step at all.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from ...engine.spatial.trajectory import Trajectory

if TYPE_CHECKING:  # the document imports this module; only the type is needed here
    from .document import PathDocument

MERGE_ID = 0x7A7  # QUndoStack merges only commands with equal, non-negative ids


class ReplacePath(QUndoCommand):
    """Swap the document's path (and selected keyframe) between two values."""

    def __init__(
        self,
        document: PathDocument,
        before: Trajectory,
        after: Trajectory,
        text: str,
        *,
        selected_before: int,
        selected_after: int,
        merge_key: Hashable | None = None,
        merge: bool = False,
    ) -> None:
        super().__init__(text)
        self._document = document
        self.before, self.after = before, after
        self._selected_before, self._selected_after = selected_before, selected_after
        self._merge_key = merge_key
        self._merge = merge

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGE_ID if self._merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        """Fold a continuing drag (same key, ``merge=True``) into this command."""
        if not isinstance(other, ReplacePath) or not other._merge:
            return False
        if other._merge_key != self._merge_key:
            return False
        self.after, self._selected_after = other.after, other._selected_after
        if self.after == self.before:
            # A drag back to the start is no edit: show the original (with its preset name)
            # and let Qt drop this command as obsolete.
            self._document._apply(self.before, self._selected_after)
            self.setObsolete(True)
        return True

    def redo(self) -> None:
        self._document._apply(self.after, self._selected_after)

    def undo(self) -> None:
        self._document._apply(self.before, self._selected_before)
