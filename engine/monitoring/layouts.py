"""Loudspeaker layouts: the standard ones by name, and the user's from a JSON file.

Directions are the engine's (degrees; azimuth +90 = left, elevation +90 = up). The channel
order of each standard layout is the WAVE_FORMAT_EXTENSIBLE order (channels in ascending
order of their ``dwChannelMask`` bits), which is what DAWs and players expect in a
multichannel WAV:

========  ===============================================  ===========
layout    channels (WAV order)                             mask
========  ===============================================  ===========
stereo    L R                                              0x3
quad      FL FR BL BR                                      0x33
5.1       L R C LFE Ls Rs                                  0x60F
7.1       L R C LFE Lrs Rrs Lss Rss                        0x63F
7.1.4     L R C LFE Lrs Rrs Lss Rss Ltf Rtf Ltr Rtr        0x2D63F
========  ===============================================  ===========

Angles follow ITU-R BS.2051 (L/R ±30°, C 0°, 5.1 surrounds ±110°, 7.1 sides ±90° and rears
±135°, heights at ±45° and ±135° azimuth, 45° up). 5.1's surrounds carry the *side* bits
(0x600), Microsoft's ``KSAUDIO_SPEAKER_5POINT1_SURROUND``.

A custom layout is a JSON list of speakers (or ``{"speakers": [...]}``), each
``{"name": "L", "azimuth": 30, "elevation": 0}`` with an optional ``"lfe": true``; its WAV
gets channel mask 0 (the channels are in the file's order, positions unnamed).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EngineError

# dwChannelMask bits (Microsoft ksmedia.h)
SPEAKER_BITS = {
    "FL": 0x1,
    "FR": 0x2,
    "FC": 0x4,
    "LFE": 0x8,
    "BL": 0x10,
    "BR": 0x20,
    "FLC": 0x40,
    "FRC": 0x80,
    "BC": 0x100,
    "SL": 0x200,
    "SR": 0x400,
    "TC": 0x800,
    "TFL": 0x1000,
    "TFC": 0x2000,
    "TFR": 0x4000,
    "TBL": 0x8000,
    "TBC": 0x10000,
    "TBR": 0x20000,
}
MIN_CUSTOM_SPEAKERS = 4


class LayoutError(EngineError):
    """A loudspeaker layout is unknown or malformed."""


@dataclass(frozen=True)
class Speaker:
    name: str
    azimuth: float
    elevation: float
    lfe: bool = False
    bit: int = 0  # its dwChannelMask bit (0: none)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "azimuth": self.azimuth,
            "elevation": self.elevation,
        }
        if self.lfe:
            d["lfe"] = True
        return d


@dataclass(frozen=True)
class Layout:
    """Loudspeakers in channel order; ``channel_mask`` is the WAV's dwChannelMask."""

    name: str
    speakers: tuple[Speaker, ...]

    @property
    def channels(self) -> int:
        return len(self.speakers)

    @property
    def channel_mask(self) -> int:
        bits = [s.bit for s in self.speakers]
        if not all(bits) or bits != sorted(bits):  # unnamed or out of WAV order: no mask
            return 0
        mask = 0
        for b in bits:
            mask |= b
        return mask

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.speakers]

    @property
    def lfe_index(self) -> int | None:
        return next((i for i, s in enumerate(self.speakers) if s.lfe), None)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "channel_mask": f"0x{self.channel_mask:X}",
            "speakers": [s.to_dict() for s in self.speakers],
        }


def _s(name: str, az: float, el: float, bit: str) -> Speaker:
    return Speaker(name, float(az), float(el), bit == "LFE", SPEAKER_BITS[bit])


_FRONT = (_s("L", 30, 0, "FL"), _s("R", -30, 0, "FR"), _s("C", 0, 0, "FC"), _s("LFE", 0, 0, "LFE"))
_7_1 = _FRONT + (
    _s("Lrs", 135, 0, "BL"),
    _s("Rrs", -135, 0, "BR"),
    _s("Lss", 90, 0, "SL"),
    _s("Rss", -90, 0, "SR"),
)
STANDARD_LAYOUTS: dict[str, Layout] = {
    "stereo": Layout("stereo", (_s("L", 30, 0, "FL"), _s("R", -30, 0, "FR"))),
    "quad": Layout(
        "quad",
        (
            _s("FL", 45, 0, "FL"),
            _s("FR", -45, 0, "FR"),
            _s("BL", 135, 0, "BL"),
            _s("BR", -135, 0, "BR"),
        ),
    ),
    "5.1": Layout("5.1", _FRONT + (_s("Ls", 110, 0, "SL"), _s("Rs", -110, 0, "SR"))),
    "7.1": Layout("7.1", _7_1),
    "7.1.4": Layout(
        "7.1.4",
        _7_1
        + (
            _s("Ltf", 45, 45, "TFL"),
            _s("Rtf", -45, 45, "TFR"),
            _s("Ltr", 135, 45, "TBL"),
            _s("Rtr", -135, 45, "TBR"),
        ),
    ),
}
LAYOUT_NAMES = tuple(STANDARD_LAYOUTS)


def get_layout(spec: str | Path) -> Layout:
    """A standard layout by name, or a custom one from ``*.json``; :class:`LayoutError` else."""
    text = str(spec)
    if text.lower() in STANDARD_LAYOUTS:
        return STANDARD_LAYOUTS[text.lower()]
    if text.lower().endswith(".json"):
        return read_layout(Path(text))
    raise LayoutError(
        f"unknown loudspeaker layout {text!r} (choose from "
        f"{', '.join(LAYOUT_NAMES)}, or a LAYOUT.json file)"
    )


def read_layout(path: Path) -> Layout:
    """Parse a custom layout file (see the module notes); errors name the file and speaker."""
    if not path.is_file():
        raise LayoutError(f"{path}: no such layout file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LayoutError(f"{path}: not a readable JSON layout ({exc})") from None
    return layout_from_json(data, path.stem, where=str(path))


def layout_from_json(data: Any, name: str = "custom", where: str = "layout") -> Layout:
    if isinstance(data, dict):
        data = data.get("speakers")
    if not isinstance(data, list):
        raise LayoutError(
            f"{where}: expected a list of speakers "
            '([{"name": "L", "azimuth": 30, "elevation": 0}, …])'
        )
    speakers: list[Speaker] = []
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict):
            raise LayoutError(
                f"{where}: speaker {i} is not an object with name, azimuth, elevation"
            )
        label = str(item.get("name", "")).strip()
        if not label:
            raise LayoutError(f"{where}: speaker {i} has no name")
        values = []
        for key in ("azimuth", "elevation"):
            value = item.get(key, 0.0 if key == "elevation" else None)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not math.isfinite(value)
            ):
                raise LayoutError(
                    f"{where}: speaker {i} ({label}): {key} must be a finite "
                    f"number of degrees, got {value!r}"
                )
            values.append(float(value))
        az, el = values
        if not -90.0 <= el <= 90.0:
            raise LayoutError(
                f"{where}: speaker {i} ({label}): elevation {el:g} is outside -90…90 degrees"
            )
        az = (az + 180.0) % 360.0 - 180.0
        az = 180.0 if az == -180.0 else az
        speakers.append(Speaker(label, az, el, bool(item.get("lfe", False))))
    names = [s.name for s in speakers]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup is not None:
        raise LayoutError(f"{where}: two speakers are named {dup!r}")
    mains = [s for s in speakers if not s.lfe]
    if len(mains) < MIN_CUSTOM_SPEAKERS:
        raise LayoutError(
            f"{where}: {len(mains)} speaker(s) besides the LFE; a layout needs at "
            f"least {MIN_CUSTOM_SPEAKERS}"
        )
    seen: dict[tuple[float, float], str] = {}
    for s in mains:
        way = (round(s.azimuth, 3) if abs(s.elevation) < 90 else 0.0, round(s.elevation, 3))
        if way in seen:
            raise LayoutError(f"{where}: speakers {seen[way]!r} and {s.name!r} point the same way")
        seen[way] = s.name
    return Layout(name, tuple(speakers))
