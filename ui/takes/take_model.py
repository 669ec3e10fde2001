"""The Qt model behind the take list: one row per take, dragged out as a WAV file.

Each row is drawn on two lines by :class:`TakeDelegate` — the prompt and the length, then
the name, seed, model and whether it follows a path, and when it was made — and edited
inline to rename the take.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ambisketch.engine.errors import EngineError
from ambisketch.engine.spatial.captions import describe
from ambisketch.engine.takes import TakeRecord, slug

BADGE_COLORS = {"held": "#2e7d5b", "learned": "#5a6270", "locked": "#8a5a1f"}
RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


def created_text(when: _dt.datetime, now: _dt.datetime | None = None) -> str:
    """``14:30`` today, ``Mon 14:30`` this week, ``24 Nov 14:30`` this year, else the date."""
    local = when.astimezone()
    now = now or _dt.datetime.now().astimezone()
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if 0 < (now.date() - local.date()).days < 7:
        return local.strftime("%a %H:%M")
    if local.year == now.year:
        return local.strftime("%d %b %H:%M")
    return local.strftime("%Y-%m-%d")


PLACEMENT_WORDS = {
    "held": "held on its path while it was generated (exact)",
    "learned": "placed by the model's learned placement",
    "locked": "locked to its path afterwards (DSP re-placement)",
}
GOOD_DEG, FAIR_DEG = 10.0, 30.0  # error bands: green, amber, red beyond


def error_color(degrees: float | None) -> str:
    """Green / amber / red for a measured error within 10°, 30° or beyond ('' = none)."""
    if degrees is None:
        return ""
    return "#4caf50" if degrees <= GOOD_DEG else "#e0a030" if degrees <= FAIR_DEG else "#e05050"


def loudness_of(r: TakeRecord) -> float | None:
    """The take's integrated loudness (LUFS) from its sidecar; None when it was not measured."""
    value = r.sidecar.get("loudness_lufs")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return None


def glance(r: TakeRecord) -> tuple[str, str, str]:
    """What the row shows at a glance: (placement badge, error, loudness) — '' where unknown."""
    badge = r.placement or ""
    err = r.path_error_deg
    error = f"{err:.1f}°" if err is not None else ""
    lufs = loudness_of(r)
    loud = f"{lufs:.1f} LUFS" if lufs is not None else ""
    return badge, error, loud


def tooltip(r: TakeRecord) -> str:
    """Everything needed to tell takes apart, as the row's tooltip."""
    lines = [f"<b>{_html(r.prompt)}</b>", f"{_html(r.name)}.wav — {r.seconds:.2f} s at {r.rate} Hz"]
    if r.request is not None:
        q = r.request
        lines.append(
            f"seed {q.get('seed')} · {q.get('steps')} steps · cfg {q.get('cfg_scale')}"
            f" · {q.get('sampler')}" + (" · path locked" if q.get("lock_path") else "")
        )
    if r.trajectory is not None:
        words = " (from the prompt's words)" if r.path_source == "words" else ""
        lines.append(f"path{words}: {_html(describe(r.trajectory))}")
    else:
        lines.append("no path: placed by the prompt (descriptive)")
    if r.placement:
        lines.append(f"placement: {PLACEMENT_WORDS.get(r.placement, r.placement)}")
    if r.path_error_deg is not None:
        lines.append(f"measured error against its own path: {r.path_error_deg:.1f}°")
    if loudness_of(r) is not None:
        lines.append(f"loudness: {loudness_of(r):.1f} LUFS integrated")
    if r.model:
        lines.append(f"model: {_html(r.model)}")
    lines.append(f"made {r.created.astimezone().strftime('%Y-%m-%d %H:%M:%S')}")
    lines.append(f"<span style='color:gray'>{_html(str(r.path))}</span>")
    return "<br>".join(lines)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class TakeListModel(QAbstractListModel):
    """Rows of :class:`TakeRecord`. ``rename(record, new_name)`` does the renaming (the
    store's); a refused name is reported through :attr:`rename_failed` (one line)."""

    rename_failed = Signal(str)
    renamed = Signal(object)

    def __init__(
        self, rename: Callable[[TakeRecord, str], TakeRecord], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._records: list[TakeRecord] = []
        self._rename = rename

    # --- contents -----------------------------------------------------------------------
    def set_records(self, records: list[TakeRecord]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def records(self) -> list[TakeRecord]:
        return list(self._records)

    def record(self, row: int) -> TakeRecord:
        return self._records[row]

    def row_of(self, path: Path) -> int:
        """The row of the take stored at ``path`` (-1 when absent)."""
        return next((i for i, r in enumerate(self._records) if r.path == path), -1)

    # --- QAbstractListModel -------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802 (Qt name)
        return 0 if parent.isValid() else len(self._records)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self._records[index.row()]
        if role == RECORD_ROLE:
            return r
        if role == Qt.ItemDataRole.DisplayRole:
            return r.prompt
        if role == Qt.ItemDataRole.EditRole:
            return r.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(r)
        if role == SEARCH_ROLE:
            return f"{r.prompt} {r.name} {r.model} {r.seed} {r.mode} {r.placement or ''}"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemIsDragEnabled
            | Qt.ItemFlag.ItemIsEditable
        )

    def setData(
        self,
        index: Index,
        value: Any,  # noqa: N802
        role: int = Qt.ItemDataRole.EditRole,
    ) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        old = self._records[index.row()]
        if str(value).strip() == old.name:
            return False
        try:
            new = self._rename(old, str(value))
        except EngineError as exc:
            self.rename_failed.emit(str(exc))
            return False
        self._records[index.row()] = new
        self.dataChanged.emit(index, index)
        self.renamed.emit(new)
        return True

    # --- drag a take out as a file ------------------------------------------------------
    def mimeTypes(self) -> list[str]:  # noqa: N802
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(self._records[r].path)) for r in rows])
        return data

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.CopyAction


class TakeDelegate(QStyledItemDelegate):
    """A take on two lines::

        ▌a crash cymbal circling the listener     -23.0 LUFS  6.0 s
        ▌[held] 1.2°  seed 4242 · sonicmotion-small · path    14:30

    At a glance, like a sampler's browser: how the take was placed (a badge: held, learned,
    locked), its measured error against its own path (coloured green / amber / red) and its
    loudness.

    The take's file name shows on the second line once the user has named it (automatic
    names only repeat the prompt and seed). The stripe on the left marks a take that follows
    a drawn path. Editing a row edits the take's name (rename).
    """

    PAD = 5
    STRIPE = 3

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:  # noqa: N802
        fm = QFontMetrics(option.font)
        return QSize(200, 2 * fm.height() + 2 * self.PAD + 2)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        record: TakeRecord | None = index.data(RECORD_ROLE)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget is not None else None
        if style is not None:  # background, selection and focus as the style draws them
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        if record is None:
            return
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        main = pal.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        dim = QColor(main) if selected else pal.color(QPalette.ColorRole.PlaceholderText)
        if selected:
            dim.setAlphaF(0.75)
        painter.save()
        if record.trajectory is not None:
            stripe = pal.color(
                QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Highlight
            )
            painter.fillRect(
                QRect(
                    opt.rect.left() + 1,
                    opt.rect.top() + self.PAD,
                    self.STRIPE,
                    opt.rect.height() - 2 * self.PAD,
                ),
                stripe,
            )
        rect = opt.rect.adjusted(self.PAD + self.STRIPE + 4, self.PAD, -self.PAD - 2, -self.PAD)
        fm = QFontMetrics(opt.font)
        small = QFont(opt.font)
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.9))
        sfm = QFontMetrics(small)
        left = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        badge, error, loud = glance(record)
        top = QRect(rect.left(), rect.top(), rect.width(), fm.height())
        length = f"{loud}   {record.seconds:.1f} s" if loud else f"{record.seconds:.1f} s"
        painter.setFont(small)
        painter.setPen(dim)
        painter.drawText(top, right, length)
        painter.setFont(opt.font)
        painter.setPen(main)
        room = top.adjusted(0, 0, -sfm.horizontalAdvance(length) - 10, 0)
        painter.drawText(
            room, left, fm.elidedText(record.prompt, Qt.TextElideMode.ElideRight, room.width())
        )

        bottom = QRect(rect.left(), top.bottom() + 2, rect.width(), fm.height())
        when = created_text(record.created)
        painter.setFont(small)
        painter.setPen(dim)
        painter.drawText(bottom, right, when)
        x = bottom.left()
        if badge:  # a pill: the placement
            w = sfm.horizontalAdvance(badge) + 8
            pill = QRect(x, bottom.top() + 1, w, bottom.height() - 2)
            color = QColor(BADGE_COLORS.get(badge, "#888888"))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(color)
            painter.drawRoundedRect(pill, 3, 3)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), badge)
            x = pill.right() + 6
        if error:
            w = sfm.horizontalAdvance(error)
            painter.setPen(dim if selected else QColor(error_color(record.path_error_deg)))
            painter.drawText(QRect(x, bottom.top(), w + 2, bottom.height()), left, error)
            x += w + 8
        painter.setPen(dim)
        bottom.setLeft(x)
        meta = []
        if record.seed is not None:
            meta.append(f"seed {record.seed}")
        if record.model:
            meta.append(record.model)
        meta.append(
            "path"
            if record.trajectory is not None
            else "text only"
            if record.request is not None
            else record.kind
        )
        if not record.name.startswith(slug(record.prompt)):
            meta.insert(0, record.name)  # a name the user gave; automatic ones repeat the prompt
        room = bottom.adjusted(0, 0, -sfm.horizontalAdvance(when) - 10, 0)
        painter.drawText(
            room,
            left,
            sfm.elidedText("  ·  ".join(meta), Qt.TextElideMode.ElideRight, room.width()),
        )
        painter.restore()

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,  # noqa: N802
        index: Index,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setToolTip("New name of the take (Enter renames, Esc cancels)")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)

    def updateEditorGeometry(
        self,
        editor: QWidget,
        option: QStyleOptionViewItem,  # noqa: N802
        index: Index,
    ) -> None:
        r = option.rect
        h = QFontMetrics(option.font).height() + 8
        editor.setGeometry(
            r.left() + self.PAD, r.top() + (r.height() - h) // 2, r.width() - 2 * self.PAD, h
        )
