"""Captions of Scorched 3D's sounds (``scorched3d-data``: GPL-2+, the Apocalypse mod's
CC-BY-SA-3.0), mostly recordings at 11–22 kHz: farm animals, a wolf, screams, birds, frogs,
rain, ocean waves, aircraft, sirens, guns and explosions. Read from the file names and
checked by looking at every spectrogram. Left out: music, interface and science-fiction
sounds (beams, lasers, shields, teleport, "extra life"), the two 5 s test beeps, and names
that do not say what is heard (fight4life, riftcollapse, nuclearloop, battery, para, play).
Paths are the installed ones (``…/globalmods/MOD/data/wav/KIND/NAME.wav``), lower-cased.
"""

from __future__ import annotations

Rule = tuple[str, str | None, str]

_WAV = r"/data/wav/"

SCORCHED3D_RULES: dict[str, tuple[Rule, ...]] = {
    "scorched3d-data": tuple(
        (_WAV + path + r"\.wav$", concept, caption)
        for path, concept, caption in (
            ("misc/wolf", "wolf", "a wolf howling"),
            ("misc/scream\\d", "scream", "a man screaming"),
            ("misc/screaming", "scream", "people screaming"),
            ("misc/cows", "cow", "cows mooing"),
            ("misc/moo", "cow", "a cow mooing"),
            ("misc/sheep", "sheep", "a sheep bleating"),
            ("misc/rooster", "rooster", "a rooster crowing"),
            ("misc/dog\\d?", "dog bark", "a dog barking"),
            ("misc/birdchirp\\d", "bird chirp", "a bird chirping"),
            ("misc/birds\\d", "birds", "birds singing in a forest"),
            ("misc/gull\\d", "seagull", "a seagull crying"),
            ("misc/bats\\d", "bats", "bats squeaking and fluttering"),
            ("misc/frogs", "frogs", "frogs croaking at night"),
            ("explosions/bees", "bees", "a swarm of bees buzzing"),
            ("misc/oceanwaves", "ocean waves", "ocean waves breaking on a shore"),
            ("misc/rain", "rain", "rain falling steadily"),
            ("misc/splash", "splash", "splashing in water"),
            ("misc/lava\\d", "lava", "lava bubbling and hissing"),
            ("(misc|explosions)/thunder\\d?", "thunder", "thunder rumbling"),
            ("explosions/lightning(bolt)?", "thunder", "a lightning strike and thunder crack"),
            ("explosions/quake", "earthquake", "an earthquake rumbling with falling debris"),
            ("misc/cheeringloop", "crowd cheer", "a crowd cheering"),
            ("misc/citysounds", "city traffic", "city traffic and street noise"),
            ("misc/factoryloop\\d", "factory", "factory machinery running"),
            ("misc/(apache_1|helicopter)", "helicopter", "a helicopter flying"),
            ("misc/cessna", "propeller plane", "a small propeller plane flying over"),
            ("misc/(f16|f18)_\\d", "jet", "a fighter jet flying past"),
            ("misc/jet", "jet", "a jet flying overhead"),
            ("misc/t38", "jet", "a jet trainer flying past"),
            ("misc/firetruck", "siren", "a fire truck siren"),
            ("misc/policecar", "siren", "a police car siren"),
            ("misc/carhorn\\d", "car horn", "a car horn honking"),
            ("misc/camera", "camera shutter", "a camera shutter clicking"),
            ("shoot/machinegun", "machine gun", "a machine gun firing"),
            ("shoot/shotgun", "gunshot", "a shotgun blast"),
            ("explosions/(small|medium|large|xlarge|exp|tank)", "explosion", "an explosion"),
            ("explosions/napalm", "fire", "a burst of flames roaring"),
            ("explosions/gas", "gas hiss", "gas hissing out"),
            ("explosions/dirt", "dirt impact", "a thud of dirt landing"),
            ("explosions/thud", "thud", "a dull thud"),
            ("movement/tankmove", "tank", "a tank's tracks and engine moving"),
        )
    ),
}
