"""The desktop app's settings: one registry of typed options over QSettings, with versioned
migrations (so a renamed or re-scaled option upgrades instead of silently resetting).

Stored in the platform's config folder (``~/.config/Ambisketch/Ambisketch.ini`` on Linux).
Only the app layer owns the store; widgets get it through ``ui.settings_port.SettingsPort``
(typed get/set of these keys) and never open a QSettings of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from ..engine.monitoring import DEFAULT_PORT, DEFAULT_PREFIX
from ..engine.monitoring.osc_tracker import DEFAULT_SMOOTHING_MS
from ..ui.settings_port import SettingValue

ORGANISATION = APPLICATION = "Ambisketch"
VERSION_KEY = "settings_version"


@dataclass(frozen=True)
class Option:
    key: str
    default: SettingValue
    kind: type
    help: str = ""


OPTIONS: dict[str, Option] = {
    o.key: o
    for o in (
        Option("ui/theme", "dark", str, "dark or light palette"),
        Option("ui/geometry", QByteArray(), QByteArray, "main window geometry"),
        Option("ui/state", QByteArray(), QByteArray, "dock and toolbar layout"),
        Option("ui/splitter", QByteArray(), QByteArray, "main splitter sizes"),
        Option("project/folder", "", str, "take folder ('' = the default in the user data folder)"),
        Option("generate/prompt_history", [], list, "recent prompts, newest first"),
        Option("generate/model", "", str, "the chosen model bundle folder ('' = the default)"),
        Option("generate/recent_models", [], list, "bundles opened with 'Open bundle…'"),
        Option("generate/steps", 50, int, "sampler steps"),
        Option("generate/cfg", 7.0, float, "classifier-free guidance"),
        Option("generate/seconds", 10.0, float, "take length"),
        Option("generate/random_seed", True, bool, "a new seed for every Generate"),
        Option("generate/seed", 0, int, "the seed used when 'random' is off"),
        Option("generate/room_enabled", False, bool, "ask the model for a room and distance"),
        Option("generate/room", "", str, "the room kind asked for"),
        Option("generate/distance", 2.0, float, "source distance asked for, metres"),
        Option("generate/decay", 0.0, float, "RT60 asked for, seconds (0 = the room's own)"),
        Option("generate/variations", 1, int, "takes per Generate"),
        Option("generate/mode", "parametric", str, "parametric (follow the path) or descriptive"),
        Option("generate/lock_path", False, bool, "re-encode the direct sound onto the path"),
        Option("path/last", "", str, "the path being edited, as JSON"),
        Option("path/folder", "", str, "last folder for path files"),
        Option("preview/hrtf", "", str, "SOFA file ('' = the default KEMAR)"),
        Option("preview/device", "", str, "output device name ('' = the system default)"),
        Option("preview/monitor", "", str, "loudspeaker layout to monitor on ('' = headphones)"),
        Option("preview/osc_port", DEFAULT_PORT, int, "UDP port head-tracking OSC arrives on"),
        Option("preview/osc_prefix", DEFAULT_PREFIX, str, "OSC address prefix of the head tracker"),
        Option("preview/osc_invert", "", str, "head-tracking axes to invert (yaw,pitch,roll)"),
        Option(
            "preview/osc_smoothing_ms",
            float(DEFAULT_SMOOTHING_MS),
            float,
            "head-tracking smoothing, ms",
        ),
        Option("export/format", "ambix", str, "ambix, fuma, binaural or speakers"),
        Option("export/bits", "24", str, "sample format of exported files"),
        Option("export/rate", 0, int, "export sample rate (0 = the take's own)"),
        Option("export/folder", "", str, "last export folder"),
        Option("export/layout", "5.1", str, "loudspeaker layout for a speaker export"),
        Option("export/lfe", False, bool, "feed the LFE channel in a speaker export"),
        Option(
            "export/highs",
            True,
            bool,
            "estimate a 16 kHz take's band above 7.6 kHz when exporting at 32 kHz or more",
        ),
        Option("export/loudness", "", str, "loudness target of an export, LUFS ('' = as is)"),
        Option(
            "generate/loudness_lufs",
            "-23",
            str,
            "loudness new takes are normalised to, LUFS ('' or 'off' = the model's own level)",
        ),
        Option("audio_start/library", "", str, "the library folder 'Start from a sound' looks in"),
        Option("audio_start/vary_strength", 0.5, float, "strength of 'Vary this take'"),
    )
}

# version → function that upgrades the stored values from the version before it.
MIGRATIONS: dict[int, Callable[[QSettings], None]] = {}
CURRENT_VERSION = 1


def _coerce(option: Option, value: object) -> SettingValue:
    """QSettings' INI backend returns strings for numbers and bools: turn them back."""
    if value is None:
        return option.default
    kind = option.kind
    try:
        if kind is bool:
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
        if kind is list:
            if isinstance(value, str):
                return [value] if value else []
            return list(value)
        if kind is QByteArray:
            return value if isinstance(value, QByteArray) else QByteArray()
        return kind(value)
    except (TypeError, ValueError):
        return option.default


class Settings:
    """Typed access to the registry. ``Settings(path)`` uses an explicit INI file (tests)."""

    def __init__(self, path: str | Path | None = None) -> None:
        if path is None:
            self._q = QSettings(
                QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
            )
        else:
            self._q = QSettings(str(path), QSettings.Format.IniFormat)
        self._migrate()

    @property
    def file(self) -> str:
        return self._q.fileName()

    def _migrate(self) -> None:
        stored = int(self._q.value(VERSION_KEY, 0) or 0)
        if stored == 0 and not self._q.allKeys():
            self._q.setValue(VERSION_KEY, CURRENT_VERSION)
            return
        for version in range(stored + 1, CURRENT_VERSION + 1):
            upgrade = MIGRATIONS.get(version)
            if upgrade is not None:
                upgrade(self._q)
        self._q.setValue(VERSION_KEY, CURRENT_VERSION)

    def get(self, key: str) -> SettingValue:
        option = OPTIONS[key]  # an unknown key is a programming error: KeyError
        return _coerce(option, self._q.value(key, option.default))

    def set(self, key: str, value: SettingValue) -> None:
        OPTIONS[key]  # noqa: B018 — refuse keys outside the registry
        self._q.setValue(key, value)

    def remember(self, key: str, item: str, keep: int = 20) -> list[str]:
        """Put ``item`` first in a most-recent list option; returns the new list."""
        items = [item] + [x for x in self.get(key) if x != item]
        self.set(key, items[:keep])
        return items[:keep]

    def sync(self) -> None:
        self._q.sync()
