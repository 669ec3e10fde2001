"""The list of a project's takes: select, rename, trash, regenerate, reuse the path, export,
and drag a take out into a DAW or file manager as its WAV file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QFileSystemWatcher,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import Take
from ambisketch.engine.takes import TakeRecord, TakeStore

from .take_model import RECORD_ROLE, SEARCH_ROLE, TakeDelegate, TakeListModel

EMPTY_TEXT = "No takes yet.\nType a prompt, draw a path and press Ctrl+Enter."


class TakeList(QWidget):
    """The takes of a :class:`TakeStore`, newest first, two lines each, with a filter box.

    Signals:
        take_selected(TakeRecord | None): the current take changed (also after a rename).
        regenerate_requested(TakeRecord): "Regenerate" (same prompt, path and settings).
        use_path_requested(TakeRecord): "Use this take's path" in the path editor.
        export_requested(TakeRecord): "Export…".
        add_to_scene_requested(TakeRecord): "Add to Scene".
    """

    take_selected = Signal(object)
    regenerate_requested = Signal(object)
    use_path_requested = Signal(object)
    export_requested = Signal(object)
    add_to_scene_requested = Signal(object)

    def __init__(
        self, store: TakeStore | str | Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store if isinstance(store, TakeStore) else TakeStore(store)
        self._last_deleted: Path | None = None
        self._current: TakeRecord | None = None

        self.model = TakeListModel(self._rename, self)
        self.model.rename_failed.connect(lambda msg: self._warn("Cannot rename the take", msg))
        self.model.renamed.connect(self._after_rename)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterRole(SEARCH_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)

        self.view = QListView(self)
        self.view.setModel(self.proxy)
        self.view.setItemDelegate(TakeDelegate(self.view))
        self.view.setUniformItemSizes(True)
        self.view.setAlternatingRowColors(True)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # F2 action
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText("Filter takes (prompt, name, seed, model)")
        self.filter.setMinimumWidth(120)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.count = QLabel(self)
        self.count.setProperty("role", "caption")
        self.empty = QLabel(EMPTY_TEXT, self)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setProperty("role", "caption")
        self.empty.setWordWrap(True)
        self.problems = QLabel(self)
        self.problems.setProperty("role", "caption")
        self.problems.setWordWrap(True)
        self.problems.hide()
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Takes", self)
        title.setProperty("role", "heading")
        top.addWidget(title)
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        lay.addLayout(top)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.problems)

        self._make_actions()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _: self._debounce.start())
        self._debounce = QTimer(self)  # a generation writes two files: refresh once
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._refresh_if_idle)
        self.refresh()

    # --- public slots -------------------------------------------------------------------
    def refresh(self, select: Path | None = None) -> None:
        """Re-read the folder; keep (or move to ``select``) the selection."""
        keep = select or (self._current.path if self._current is not None else None)
        try:
            records = self.store.list()
        except EngineError as exc:
            records = []
            self._show_problems([str(exc)])
        else:
            self._show_problems([str(p) for p in self.store.problems])
        self.model.set_records(records)
        self._watch()
        self.stack.setCurrentWidget(self.view if records else self.empty)
        self.count.setText(f"{len(records)} take{'s' if len(records) != 1 else ''}")
        row = self.model.row_of(keep) if keep is not None else -1
        if row >= 0:
            self._select_source_row(row)
        else:
            self.view.clearSelection()
            self._set_current(None)

    def add_take(self, take: Take) -> TakeRecord:
        """Store ``take`` in the project and select it (:class:`EngineError` when it fails)."""
        record = self.store.add(take)
        self.refresh(select=record.path)
        return record

    def set_folder(self, folder: str | Path | TakeStore) -> None:
        """Show another project folder."""
        self.store = folder if isinstance(folder, TakeStore) else TakeStore(folder)
        self._current = None
        self._last_deleted = None
        self.refresh()

    def current(self) -> TakeRecord | None:
        """The selected take (None when nothing is selected)."""
        return self._current

    def select(self, name: str) -> bool:
        """Select the take called ``name``; False when there is none."""
        row = next((i for i, r in enumerate(self.model.records()) if r.name == name), -1)
        if row >= 0:
            self._select_source_row(row)
        return row >= 0

    # --- actions ------------------------------------------------------------------------
    def _make_actions(self) -> None:
        def action(
            text: str, slot: object, shortcut: QKeySequence | str | None = None, tip: str = ""
        ) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
                a.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.view.addAction(a)
            return a

        self.rename_action = action("Rename", self.start_rename, "F2", "Rename the take's files")
        self.delete_action = action(
            "Move to Trash",
            self.delete_current,
            QKeySequence.StandardKey.Delete,
            "Move the take to the project's .trash folder",
        )
        self.regenerate_action = action(
            "Regenerate",
            self._emit(self.regenerate_requested),
            tip="Generate again with the same prompt, path and settings",
        )
        self.use_path_action = action(
            "Use This Take's Path",
            self._emit(self.use_path_requested),
            tip="Load the take's path into the path editor",
        )
        self.export_action = action(
            "Export…",
            self._emit(self.export_requested),
            tip="Write the take as AmbiX, FuMa or binaural WAV",
        )
        self.add_to_scene_action = action(
            "Add to Scene",
            self._emit(self.add_to_scene_requested),
            tip="Add the take as a track of the scene at the playhead",
        )
        self.reveal_action = action(
            "Show in Folder", self.reveal_current, tip="Open the folder holding the take"
        )
        self.restore_action = action(
            "Restore Last Deleted",
            self.restore_last,
            tip="Bring the last take moved to the trash back",
        )
        self.extra_actions: list[QAction] = []  # added by other controls (Vary This Take…)
        self._update_actions()

    def _emit(self, signal: Signal) -> object:
        def fire() -> None:
            if self._current is not None:
                signal.emit(self._current)  # type: ignore[attr-defined]

        return fire

    def start_rename(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index)

    def delete_current(self) -> None:
        """Move the selected take to the trash and select its neighbour (as file managers do)."""
        record = self._current
        if record is None:
            return
        row = self.view.currentIndex().row()
        neighbour = None
        for r in (row + 1, row - 1):
            if 0 <= r < self.proxy.rowCount():
                neighbour = self.proxy.index(r, 0).data(RECORD_ROLE).path
                break
        try:
            self._last_deleted = self.store.delete(record)
        except EngineError as exc:
            self._warn("Cannot move the take to the trash", str(exc))
            return
        self.refresh(select=neighbour)  # None: the deleted take is gone, nothing selected

    def restore_last(self) -> None:
        if self._last_deleted is None:
            return
        try:
            record = self.store.restore(self._last_deleted)
        except EngineError as exc:
            self._warn("Cannot restore the take", str(exc))
            return
        self._last_deleted = None
        self.refresh(select=record.path)

    def reveal_current(self) -> None:
        folder = self._current.path.parent if self._current is not None else self.store.folder
        self.reveal(folder)

    def reveal(self, folder: Path) -> None:
        """Open ``folder`` in the system's file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    # --- internals ----------------------------------------------------------------------
    def _rename(self, record: TakeRecord, name: str) -> TakeRecord:
        return self.store.rename(record, name)

    def _after_rename(self, record: TakeRecord) -> None:
        self._set_current(record)

    def _context_menu(self, pos: object) -> None:
        index = self.view.indexAt(pos)  # type: ignore[arg-type]
        if index.isValid():
            self.view.setCurrentIndex(index)
        else:  # below the rows: a menu for the folder, not for the take selected before
            self.view.clearSelection()
            self.view.setCurrentIndex(QModelIndex())
        menu = QMenu(self)
        for a in (
            self.regenerate_action,
            self.use_path_action,
            self.export_action,
            self.add_to_scene_action,
            *self.extra_actions,
            None,
            self.rename_action,
            self.reveal_action,
            None,
            self.delete_action,
            self.restore_action,
        ):
            if a is None:
                menu.addSeparator()
            else:
                menu.addAction(a)
        menu.popup(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]
        self._menu = menu  # tests read it; it is rebuilt on every request

    def _row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        record = current.data(RECORD_ROLE) if current.isValid() else None
        self._set_current(record)

    def _set_current(self, record: TakeRecord | None) -> None:
        before = self._current
        self._current = record  # a re-read record of the same take replaces it silently
        self._update_actions()
        if (record is None) != (before is None) or (
            record is not None and before is not None and record.path != before.path
        ):
            self.take_selected.emit(record)

    def _select_source_row(self, row: int) -> None:
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: show it
            self.filter.clear()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)
        self._set_current(self.model.record(row))

    def _update_actions(self) -> None:
        r = self._current
        for a in (
            self.rename_action,
            self.delete_action,
            self.export_action,
            self.add_to_scene_action,
        ):
            a.setEnabled(r is not None)
        self.regenerate_action.setEnabled(r is not None and r.request is not None)
        self.use_path_action.setEnabled(r is not None and r.trajectory is not None)
        self.restore_action.setEnabled(self._last_deleted is not None)

    def _show_problems(self, problems: list[str]) -> None:
        if not problems:
            self.problems.hide()
            return
        n = len(problems)
        self.problems.setText(
            f"⚠ {n} file{'s' if n > 1 else ''} in the folder could not be read (hover for details)"
        )
        self.problems.setToolTip("\n".join(problems))
        self.problems.show()

    def _watch(self) -> None:
        dirs = self._watcher.directories()
        if dirs:
            self._watcher.removePaths(dirs)
        if self.store.folder.is_dir():
            self._watcher.addPath(str(self.store.folder))

    def _refresh_if_idle(self) -> None:
        if self.view.state() == QAbstractItemView.State.EditingState:
            self._debounce.start()  # never pull the rug from under an inline rename
            return
        self.refresh()

    def _warn(self, title: str, message: str) -> None:
        QMessageBox.warning(self, title, message)
