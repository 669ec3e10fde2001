"""Loudspeaker layouts and the AllRAD decoder: WAV channel order and masks, a source lands
on the loudspeakers around its direction, custom layouts are checked, the WAV header holds
the mask."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.engine.monitoring import (
    LayoutError,
    design,
    get_layout,
    read_wavex_header,
    write_speaker_wav,
)
from ambisketch.engine.monitoring.speaker_decoder import SpeakerRenderer, imaginary_speakers
from ambisketch.engine.spatial.ambisonics import encode_static, sh_gains

RATE = 48000


def test_standard_layouts_are_in_wave_extensible_order_with_their_masks() -> None:
    five = get_layout("5.1")
    assert five.names == ["L", "R", "C", "LFE", "Ls", "Rs"]
    assert five.channel_mask == 0x60F and five.lfe_index == 3
    assert get_layout("stereo").channel_mask == 0x3
    assert get_layout("quad").channel_mask == 0x33
    assert get_layout("7.1").channel_mask == 0x63F
    seven_four = get_layout("7.1.4")
    assert seven_four.channels == 12 and seven_four.channel_mask == 0x2D63F
    assert seven_four.names[8:] == ["Ltf", "Rtf", "Ltr", "Rtr"]


@pytest.mark.parametrize("name", ["stereo", "quad", "5.1", "7.1", "7.1.4"])
def test_the_energy_vector_points_at_the_source(name: str) -> None:
    """Gerzon's rE of a source at each loudspeaker's direction points there (first order is
    wide: within 25 degrees; the 7.1.4 ear-level ring is pulled up by the height layer)."""
    dec = design(get_layout(name))
    for spk in dec.layout.speakers:
        if spk.lfe:
            continue
        g = dec.matrix @ sh_gains(spk.azimuth, spk.elevation)
        units = np.array([sh_gains(s.azimuth, s.elevation)[[3, 1, 2]] for s in dec.layout.speakers])
        r_e = (g**2) @ units / np.sum(g**2)
        src = sh_gains(spk.azimuth, spk.elevation)[[3, 1, 2]]
        angle = np.degrees(np.arccos(np.clip(r_e @ src / np.linalg.norm(r_e), -1, 1)))
        assert angle < 25.0, (spk.name, angle)
    if dec.layout.lfe_index is not None:
        assert not np.any(dec.matrix[dec.layout.lfe_index])


def test_in_quad_each_loudspeaker_is_loudest_for_its_own_direction() -> None:
    dec = design(get_layout("quad"))
    for i, spk in enumerate(dec.layout.speakers):
        assert int(np.argmax(dec.matrix @ sh_gains(spk.azimuth, spk.elevation))) == i


def test_left_is_left_in_stereo() -> None:
    dec = design(get_layout("stereo"))
    left, right = dec.matrix @ sh_gains(90.0, 0.0)
    assert left > 0.9 and abs(right) < 0.2
    assert imaginary_speakers([30, -30], [0, 0]) == [(0.0, 90.0), (0.0, -90.0), (180.0, 0.0)]


def test_lfe_is_silent_unless_asked_and_then_carries_only_the_bass() -> None:
    rng = np.random.default_rng(0)
    foa = encode_static(rng.standard_normal(RATE).astype(np.float32) * 0.1, 30.0)
    dec = design(get_layout("5.1"))
    assert not np.any(dec.decode(foa, RATE)[3])
    lfe = dec.decode(foa, RATE, lfe=True)[3]
    spec = np.abs(np.fft.rfft(lfe))
    f = np.fft.rfftfreq(lfe.size, 1 / RATE)
    assert spec[f < 80].mean() > 100 * spec[f > 1000].mean()


def test_block_renderer_equals_the_offline_decode() -> None:
    rng = np.random.default_rng(1)
    foa = rng.standard_normal((4, 4096)).astype(np.float32)
    dec = design(get_layout("7.1.4"))
    r = SpeakerRenderer(dec, RATE)
    blocks = np.concatenate([r.process(foa[:, i : i + 512]) for i in range(0, 4096, 512)], axis=1)
    assert np.allclose(blocks, dec.decode(foa, RATE), atol=1e-5)


def _write(tmp_path: Path, speakers: object) -> Path:
    p = tmp_path / "room.json"
    p.write_text(json.dumps(speakers) if not isinstance(speakers, str) else speakers)
    return p


def test_a_custom_layout_decodes_in_its_own_order(tmp_path: Path) -> None:
    ring = [
        {"name": f"S{i}", "azimuth": a, "elevation": 0}
        for i, a in enumerate((0, 60, 120, 180, -120, -60))
    ] + [{"name": "Sub", "azimuth": 0, "elevation": 0, "lfe": True}]
    layout = get_layout(str(_write(tmp_path, {"speakers": ring})))
    assert layout.names == ["S0", "S1", "S2", "S3", "S4", "S5", "Sub"]
    assert layout.channel_mask == 0 and layout.lfe_index == 6
    g = design(layout).matrix @ sh_gains(60.0, 0.0)
    assert int(np.argmax(g)) == 1


@pytest.mark.parametrize(
    "content, words",
    [
        (
            [
                {"name": "A", "azimuth": 0},
                {"name": "B", "azimuth": 90},
                {"name": "C", "azimuth": 180},
            ],
            "at least 4",
        ),
        ('[{"name": "A", "azimuth": NaN, "elevation": 0}]', "azimuth must be a finite number"),
        ([{"name": "A", "azimuth": 0, "elevation": 95}] * 4, "elevation 95"),
        ("{not json", "not a readable JSON layout"),
        ({"speakers": 3}, "expected a list of speakers"),
        ([{"name": "A", "azimuth": a} for a in (0, 90, 180, 0)], "two speakers are named"),
    ],
)
def test_malformed_layouts_are_named(tmp_path: Path, content: object, words: str) -> None:
    with pytest.raises(LayoutError, match=words):
        get_layout(str(_write(tmp_path, content)))


def test_unknown_layout_names_the_choices() -> None:
    with pytest.raises(LayoutError, match="unknown loudspeaker layout '9.1'.*7.1.4"):
        get_layout("9.1")


@pytest.mark.parametrize("bits, subformat, width", [("24", 1, 24), ("16", 1, 16), ("32f", 3, 32)])
def test_the_wav_header_carries_the_channel_mask(
    tmp_path: Path, bits: str, subformat: int, width: int
) -> None:
    layout = get_layout("7.1.4")
    feeds = np.random.default_rng(2).uniform(-0.5, 0.5, (12, 1000)).astype(np.float32)
    out = write_speaker_wav(
        tmp_path / "out.wav",
        feeds,
        RATE,
        layout.channel_mask,
        bits=bits,
        sidecar={"kind": "decode"},
    )
    h = read_wavex_header(out)
    assert (h.format_tag, h.channels, h.rate, h.bits) == (0xFFFE, 12, RATE, width)
    assert h.channel_mask == 0x2D63F and h.subformat == subformat
    raw = out.read_bytes()  # independent of the parser: the mask's bytes after 'fmt '
    fmt = raw.index(b"fmt ") + 8
    assert struct.unpack_from("<I", raw, fmt + 20)[0] == 0x2D63F
    back, rate = sf.read(out, always_2d=True)
    assert rate == RATE and back.shape == (1000, 12)
    assert np.allclose(back.T, feeds, atol=2 ** -(width - 2))
    assert (tmp_path / "out.wav.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_transport_switches_between_binaural_and_loudspeakers() -> None:
    from ambisketch.engine.binaural import Transport

    rng = np.random.default_rng(3)
    foa = encode_static(rng.standard_normal(RATE).astype(np.float32) * 0.1, 90.0)
    player = Transport(foa, RATE, device_output=False)
    player.play()
    stereo = np.zeros((512, 2), np.float32)
    player.callback(stereo, 512)
    assert player.channels == 2 and np.any(stereo)
    dec = design(get_layout("5.1"))
    player.set_speakers(dec)
    feeds = np.zeros((512, 6), np.float32)
    player.callback(feeds, 512)
    player.callback(feeds, 512)
    assert player.channels == 6 and not player.errors
    expected = dec.decode(foa, RATE)[:, 1024:1536].T  # the third block of the take
    assert np.allclose(feeds, expected, atol=1e-5)
    player.set_speakers(None)
    player.callback(stereo, 512)
    assert player.channels == 2 and not player.errors
