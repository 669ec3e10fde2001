"""The MagLS decoder on the real HRTF: interaural cues, rotation signs, scaling, caching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ambisketch.engine.binaural import (
    BinauralDecoder,
    DecoderCache,
    HrirSet,
    default_cache_dir,
    design_filters,
    head_rotation_matrix,
    ild_db,
    itd_seconds,
    render,
)
from ambisketch.engine.binaural.decoder import quadrature_weights
from ambisketch.engine.errors import HrtfError
from ambisketch.engine.spatial.ambisonics import encode_static, sh_gains

RATE = 48000


def _cues(
    decoder: BinauralDecoder, az: float, el: float = 0.0, seconds: float = 0.5, **rotation: float
) -> tuple[float, float]:
    x = np.random.default_rng(0).standard_normal(int(seconds * decoder.rate)) * 0.1
    out = render(encode_static(x, az, el), decoder, **rotation)
    return ild_db(out), itd_seconds(out, decoder.rate)


def test_interaural_cues_at_plus_minus_90_and_front(decoder48: BinauralDecoder) -> None:
    ild_l, itd_l = _cues(decoder48, 90)
    ild_r, itd_r = _cues(decoder48, -90)
    ild_f, itd_f = _cues(decoder48, 0)
    assert ild_l > 6 and itd_l > 0.2e-3  # +90 = left: louder and earlier in the left ear
    assert ild_r == pytest.approx(-ild_l, abs=0.5) and itd_r == pytest.approx(-itd_l, abs=2e-5)
    assert abs(ild_f) < 1.5 and abs(itd_f) < 2e-5


@pytest.mark.parametrize("rate", [16000, 44100])
def test_cues_hold_at_other_session_rates(kemar: HrirSet, rate: int) -> None:
    dec = DecoderCache(folder=False).get(kemar, rate)
    assert dec.rate == rate
    ild, itd = _cues(dec, 90)
    assert ild > 6 and itd > 0.2e-3
    assert abs(_cues(dec, 0)[0]) < 1.5


def test_head_yaw_plus_90_moves_a_front_source_to_the_right(decoder48: BinauralDecoder) -> None:
    ild, itd = _cues(decoder48, 0, yaw=90)
    assert ild < -6 and itd < -0.2e-3
    assert _cues(decoder48, 0, yaw=-90)[0] > 6


def test_head_rotation_signs() -> None:
    def seen(az: float, el: float, **rot: float) -> np.ndarray:
        return head_rotation_matrix(**rot) @ sh_gains(az, el)

    assert np.allclose(seen(0, 0, yaw=90), sh_gains(-90, 0))  # head left: front → right
    assert np.allclose(seen(0, 0, pitch=30), sh_gains(0, -30))  # head up: front drops
    assert np.allclose(seen(90, 0, roll=30), sh_gains(90, -30))  # left ear up: left drops
    m = head_rotation_matrix(20, 30, 40)
    assert np.allclose(m @ m.T, np.eye(4))


def test_roll_puts_a_source_above_on_the_raised_ear(decoder48: BinauralDecoder) -> None:
    assert _cues(decoder48, 0, 90, roll=90)[0] > 6
    assert _cues(decoder48, 0, 90, roll=-90)[0] < -6


def test_sn3d_filters_match_spaudiopy_n3d_magls(kemar: HrirSet) -> None:
    """Our SN3D fit and spaudiopy's N3D (1/√4π) MagLS decode a plane wave alike.

    spaudiopy's sh2bin needs N3D/ACN with its orthonormal scaling: AmbiX channel c must be
    multiplied by 1/√(4π) (W) and √3/√(4π) (Y, Z, X) first. Done right, both decoders give
    the same interaural level differences.
    """
    from spaudiopy import decoder as sp_decoder
    from spaudiopy import sig as sp_sig

    h = kemar.resampled(RATE)
    sp_hrirs = sp_sig.HRIRs(
        h.ir[:, 0], h.ir[:, 1], np.radians(h.azimuth), np.radians(90 - h.elevation), RATE
    )
    sp_filters = sp_decoder.magls_bin(sp_hrirs, 1)
    to_n3d = np.array([1.0, np.sqrt(3), np.sqrt(3), np.sqrt(3)]) / np.sqrt(4 * np.pi)
    ours = BinauralDecoder(design_filters(h, diffuse_eq=False), RATE, "kemar", h.identity, False)
    x = np.random.default_rng(1).standard_normal(RATE // 2) * 0.1
    for az in (90, 30, -60):
        foa = encode_static(x, az, 0)
        theirs = sp_decoder.sh2bin(foa * to_n3d[:, None], sp_filters)[:, : x.size]
        assert ild_db(render(foa, ours)) == pytest.approx(ild_db(theirs), abs=1.5)
        assert np.sign(itd_seconds(theirs, RATE)) == np.sign(az)


def test_diffuse_field_equalisation_flattens_the_response(kemar: HrirSet) -> None:
    h = kemar.resampled(RATE)
    y, w = sh_gains(h.azimuth, h.elevation).T, quadrature_weights(h)
    freqs = np.fft.rfftfreq(2048, 1 / RATE)
    band = (freqs > 200) & (freqs < 16000)

    def spread_db(filters: np.ndarray) -> float:
        resp = np.einsum("mc,eck->mek", y, np.fft.rfft(filters, 2048, axis=-1))
        df = np.sqrt(np.einsum("m,mek->k", w, np.abs(resp) ** 2) / 2)
        return float(np.std(20 * np.log10(df[band])))

    flat, raw = spread_db(design_filters(h)), spread_db(design_filters(h, diffuse_eq=False))
    assert flat < 1.5 < raw


def test_quadrature_weights_cap_the_ring_next_to_the_gap(kemar: HrirSet) -> None:
    w = quadrature_weights(kemar)
    assert w.sum() == pytest.approx(1.0) and np.all(w > 0)
    assert w.max() <= 2.0 * np.median(w) + 1e-12  # the −40° ring does not stand in for the cap


def test_horizontal_only_set_is_regularised(kemar: HrirSet) -> None:
    ring = kemar.elevation == 0
    flat = HrirSet(kemar.ir[ring], kemar.azimuth[ring], kemar.elevation[ring], kemar.rate, "ring")
    dec = DecoderCache(folder=False).get(flat, RATE)
    assert np.isfinite(dec.filters).all()
    assert _cues(dec, 90)[0] > 6


def test_too_few_directions_is_a_clear_error(kemar: HrirSet) -> None:
    two = HrirSet(kemar.ir[:2], kemar.azimuth[:2], kemar.elevation[:2], kemar.rate, "two")
    with pytest.raises(HrtfError, match="too few"):
        design_filters(two)


def test_cache_in_memory_and_on_disk(tmp_path: Path, kemar: HrirSet) -> None:
    cache = DecoderCache(tmp_path)
    a = cache.get(kemar, 16000)
    assert cache.get(kemar, 16000) is a and cache.designed == 1
    files = list(tmp_path.glob("magls-*.npz"))
    assert len(files) == 1
    with np.load(files[0], allow_pickle=False) as z:  # plain arrays only, no pickle
        assert z["filters"].shape == a.filters.shape
    fresh = DecoderCache(tmp_path)
    b = fresh.get(kemar, 16000)
    assert fresh.designed == 0 and np.array_equal(a.filters, b.filters)
    assert fresh.get(kemar, 16000, diffuse_eq=False).diffuse_eq is False and fresh.designed == 1
    files[0].write_bytes(b"garbage")  # a damaged cache file is designed again, not trusted
    again = DecoderCache(tmp_path)
    assert np.array_equal(again.get(kemar, 16000).filters, a.filters) and again.designed == 1


def test_cache_folder_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMBISKETCH_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "binaural"
    assert DecoderCache().folder == tmp_path / "c" / "binaural"
    assert DecoderCache(folder=False).folder is None
