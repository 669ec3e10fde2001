"""Captions of OpenSFX, OpenTTD's sound set (``openttd-opensfx``: ``opensfx.cat``).

Each entry names its sound and credits its source recording (Freesound recordings, edited
for the game: CC-BY-3.0, CC-BY-SA-3.0 or CC0 each, the collection CC-BY-SA-3.0). Captions
from the titles and the credited originals, checked on spectrograms. Left out: the jingles
(good/bad year), the synthetic beep and Morse, the "splat" build sounds, the crowd's "oooh",
the two empty placeholders and every "Toyland" sound (cartoon mixes of several sources).
Paths are ``opensfx.cat/NN-title-slug`` (:mod:`.openttd_cat`).
"""

from __future__ import annotations

Rule = tuple[str, str | None, str]

_CAT = r"opensfx\.cat/\d\d-"

OPENSFX_RULES: dict[str, tuple[Rule, ...]] = {
    "openttd-opensfx": tuple(
        (_CAT + slug + "$", concept, caption)
        for slug, concept, caption in (
            ("toyland-.*", None, ""),
            ("factory-whistle", "factory whistle", "a factory whistle blowing"),
            (
                "steam-train-station-departure",
                "steam whistle",
                "a steam locomotive whistling as it leaves a station",
            ),
            (
                "steam-engine-going-in-tunnel",
                "steam whistle",
                "a steam locomotive whistling into a tunnel",
            ),
            ("ship-horn", "ship horn", "a ship's horn"),
            ("ferry-horn", "ship horn", "a ferry sounding its horn"),
            ("propeller-plane-start", "propeller plane", "a propeller plane's engine starting"),
            ("early-jet-take-off", "jet take off", "a jet airliner taking off"),
            (
                "diesel-electric-train-station-departure",
                "train horn",
                "a distant locomotive horn",
            ),
            ("mining-machinery", "machinery", "old lift machinery running"),
            ("electric-sparking", "electric sparks", "electric sparks crackling"),
            ("steam-of-steam-engine", "steam hiss", "steam hissing from a steam engine"),
            ("level-crossing", "level crossing", "a level crossing bell ringing"),
            ("road-vehicle-breakdown", "metal clank", "a heavy metal object dropped"),
            ("train-ship-breakdown", "metal clank", "metal clanking and rattling"),
            ("(big-)?crash", "crash", "a crash of metal and glass"),
            ("explosion", "explosion", "an explosion"),
            ("cash-till", "cash register", "a cash register ringing"),
            ("plane-wheels-touching-ground", "tyre screech", "a short tyre screech"),
            ("helicopter", "helicopter", "a helicopter flying"),
            (
                "truck-old-bus-start-pull-away",
                "truck start",
                "an old truck starting and pulling away",
            ),
            (
                "truck-old-bus-start-pull-away-with-horn",
                "truck start",
                "an old truck starting and pulling away with a blast of its horn",
            ),
            ("modern-bus-start", "bus", "a bus approaching and pulling away"),
            ("old-bus-start", "bus", "an old bus engine starting"),
            ("applause", "applause", "an audience applauding and cheering"),
            ("jackhammer", "jackhammer", "a jackhammer breaking concrete"),
            ("modern-car-horn", "car horn", "a car horn honking"),
            ("sheep", "sheep", "sheep bleating in a field"),
            ("cow", "cow", "a cow mooing"),
            ("horse", "horse", "a horse neighing"),
            ("building-bridge", "hammering", "hammering on metal in a smithy"),
            ("sawmill", "circular saw", "a circular saw cutting wood"),
            ("wind", "wind", "wind blowing"),
            ("heavy-wind", "wind", "a strong wind blowing"),
            ("lumber-mill-crashing-tree", "tree fall", "a tree crashing down"),
            ("lumber-mill-falling-tree", "tree fall", "a tree being cut and falling"),
            ("lumber-mill-chainsaw", "chainsaw", "a chainsaw cutting"),
            ("mach-1-jet-take-off", "jet", "a jet roaring past close by"),
            ("modern-jet-take-off", "jet", "fighter jets flying past"),
            ("maglev-train-station-departure", "metro train", "a metro train departing"),
            ("monorail-train-station-departure", "train passing", "a train passing by"),
            ("tropical-bird-\\d", "bird call", "a tropical bird calling"),
            ("tropical-lion-roar", "big cat", "a big cat growling and roaring"),
            ("tropical-monkeys", "monkeys", "monkeys screeching"),
        )
    ),
}
