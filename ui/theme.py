"""Dark and light palettes for a tool sound designers use for hours: low-glare greys, one
accent colour (for the path and the active control) and a second (for what was measured).

Widgets take colours from the QPalette, and pyqtgraph plots from :func:`plot_colors`, so a
theme switch repaints everything without per-widget code. The accent (the drawn path, the
selection in lists, progress, Generate) is blue; orange marks the selected keyframe and green
what a take measured (``ui/path/style.py``), so the three never compete.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("dark", "light")


@dataclass(frozen=True)
class Colors:
    window: str
    base: str
    alt_base: str
    text: str
    dim_text: str
    button: str
    accent: str  # the drawn path, selection, progress
    measured: str  # the measured direction of a take
    highlight_text: str
    plot_bg: str
    plot_fg: str


COLORS = {
    "dark": Colors(
        window="#2b2d30",
        base="#1f2023",
        alt_base="#26282b",
        text="#dcdfe4",
        dim_text="#8a8f98",
        button="#34373b",
        accent="#4a9eff",
        measured="#1fb57f",
        highlight_text="#0b0c0e",
        plot_bg="#1b1c1f",
        plot_fg="#aeb3bb",
    ),
    "light": Colors(
        window="#eceef1",
        base="#ffffff",
        alt_base="#f5f6f8",
        text="#1d1f23",
        dim_text="#6a6f78",
        button="#e1e4e8",
        accent="#1f6fd1",
        measured="#1fb57f",
        highlight_text="#ffffff",
        plot_bg="#fbfbfc",
        plot_fg="#3a3d42",
    ),
}

_current = "dark"


def current_theme() -> str:
    return _current


def plot_colors() -> Colors:
    return COLORS[_current]


def palette(theme: str) -> QPalette:
    c = COLORS[theme]
    p = QPalette()
    role = QPalette.ColorRole
    for r, value in (
        (role.Window, c.window),
        (role.Base, c.base),
        (role.AlternateBase, c.alt_base),
        (role.Text, c.text),
        (role.WindowText, c.text),
        (role.ButtonText, c.text),
        (role.Button, c.button),
        (role.ToolTipBase, c.base),
        (role.ToolTipText, c.text),
        (role.Highlight, c.accent),
        (role.HighlightedText, c.highlight_text),
        (role.PlaceholderText, c.dim_text),
        (role.Link, c.measured),
        (role.BrightText, "#ff5555"),
    ):
        p.setColor(r, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(disabled, r, QColor(c.dim_text))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    """Fusion style + the palette + pyqtgraph's default colours (for plots made afterwards)."""
    global _current
    if theme not in COLORS:
        theme = "dark"
    _current = theme
    app.setStyle("Fusion")
    app.setPalette(palette(theme))
    c = COLORS[theme]
    pg.setConfigOptions(background=c.plot_bg, foreground=c.plot_fg, antialias=True)
    app.setStyleSheet(
        f"QToolTip {{ color: {c.text}; background: {c.base}; border: 1px solid {c.dim_text}; }}"
        f"QPushButton#generate {{ background: {c.accent}; color: {c.highlight_text};"
        f" font-weight: bold; padding: 6px 18px; border-radius: 3px; }}"
        f"QPushButton#generate:disabled {{ background: {c.button}; color: {c.dim_text}; }}"
        f"QLabel[role='caption'] {{ color: {c.dim_text}; font-style: italic; }}"
        f"QLabel[role='heading'] {{ font-weight: bold; }}"
    )
