"""What a widget may ask of the app's settings: the typed get/set of one registry.

The app owns the store (``app.settings.Settings``, an INI file in the user's config folder)
and hands it to the window; widgets read and write options through this protocol only, so
there is one file, one format and one list of keys. ``MemorySettings`` is the same contract
kept in a dict: a widget built on its own (a test, a dialog opened without the window)
still has somewhere to put its choices.
"""

from __future__ import annotations

from typing import Protocol, TypeAlias

from PySide6.QtCore import QByteArray

SettingValue: TypeAlias = str | int | float | bool | list[str] | QByteArray


class SettingsPort(Protocol):
    def get(self, key: str) -> SettingValue | None:
        """The stored value of ``key`` as its registered kind, or the registered default
        (None: a store without a default for ``key``; the helpers below then use theirs)."""
        ...

    def set(self, key: str, value: SettingValue) -> None: ...

    def remember(self, key: str, item: str, keep: int = 20) -> list[str]:
        """Put ``item`` first in a most-recent list option; returns the new list."""
        ...

    def sync(self) -> None: ...


def text(settings: SettingsPort, key: str, default: str = "") -> str:
    value = settings.get(key)
    return value if isinstance(value, str) else default


def integer(settings: SettingsPort, key: str, default: int = 0) -> int:
    value = settings.get(key)
    return (
        int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default
    )


def number(settings: SettingsPort, key: str, default: float = 0.0) -> float:
    value = settings.get(key)
    return (
        float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default
    )


def flag(settings: SettingsPort, key: str, default: bool = False) -> bool:
    value = settings.get(key)
    return value if isinstance(value, bool) else default


def items(settings: SettingsPort, key: str) -> list[str]:
    value = settings.get(key)
    return [str(v) for v in value] if isinstance(value, list) else []


class MemorySettings:
    """A :class:`SettingsPort` in memory, with the defaults a caller gives it."""

    def __init__(self, defaults: dict[str, SettingValue] | None = None) -> None:
        self._values: dict[str, SettingValue] = dict(defaults or {})

    def get(self, key: str) -> SettingValue | None:
        return self._values.get(key)

    def set(self, key: str, value: SettingValue) -> None:
        self._values[key] = value

    def remember(self, key: str, item: str, keep: int = 20) -> list[str]:
        new = ([item] + [x for x in items(self, key) if x != item])[:keep]
        self.set(key, new)
        return new

    def sync(self) -> None:
        pass
