"""Audio output devices through sounddevice (PortAudio), imported only when needed.

Without PortAudio or without any output device (CI, servers, containers) every function
here raises one :class:`AudioDeviceError` with a message the CLI and GUI show as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from ..errors import AudioDeviceError

NO_DEVICE = "no audio output device found (this machine has no sound card or sound server)"


@dataclass(frozen=True)
class OutputDevice:
    """One PortAudio output device."""

    index: int
    name: str
    channels: int
    default_rate: float
    host_api: str
    is_default: bool


def sounddevice_module() -> ModuleType:
    """``import sounddevice``, turning a missing PortAudio into :class:`AudioDeviceError`."""
    try:
        import sounddevice
    except OSError as exc:  # sounddevice raises OSError when libportaudio cannot be loaded
        raise AudioDeviceError(
            f"audio playback is unavailable: the PortAudio library is "
            f"missing ({exc}); on Debian/Ubuntu: apt-get install "
            "libportaudio2"
        ) from None
    return sounddevice


def output_devices() -> list[OutputDevice]:
    """Every device with at least two output channels (may be empty)."""
    sd = sounddevice_module()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_out = sd.default.device[1]
    except Exception as exc:  # sd.PortAudioError: PortAudio could not initialise
        raise AudioDeviceError(f"cannot list audio devices ({exc})") from None
    found = []
    for i, d in enumerate(devices):
        if int(d.get("max_output_channels", 0)) >= 2:
            api = apis[d["hostapi"]]["name"] if 0 <= d.get("hostapi", -1) < len(apis) else ""
            found.append(
                OutputDevice(
                    i,
                    str(d["name"]),
                    int(d["max_output_channels"]),
                    float(d["default_samplerate"]),
                    str(api),
                    i == default_out,
                )
            )
    return found


def pick_output_device(device: int | str | None = None) -> OutputDevice:
    """The device asked for (index or part of its name) or the default output.

    Raises:
        AudioDeviceError: no output device at all, or none matching ``device``.
    """
    devices = output_devices()
    if not devices:
        raise AudioDeviceError(NO_DEVICE)
    if device is None or device == "":
        return next((d for d in devices if d.is_default), devices[0])
    if isinstance(device, int) or str(device).isdigit():
        for d in devices:
            if d.index == int(device):
                return d
        raise AudioDeviceError(
            f"output device {device} does not exist "
            f"(outputs: {', '.join(str(d.index) for d in devices)}; "
            "see 'ambisketch devices')"
        )
    matches = [d for d in devices if str(device).lower() in d.name.lower()]
    if len(matches) != 1:
        what = "matches no" if not matches else "matches more than one"
        raise AudioDeviceError(
            f"output device {device!r} {what} output device (see 'ambisketch devices')"
        )
    return matches[0]
