"""Captions of GCompris's sounds (``gcompris-qt-data``: the activities' Qt resource files).

Read from the file names and checked by looking at their spectrograms: the farm animals
(recorded, band-limited to ≈ 5 kHz), the instruments (a phrase or a few notes each), the
sound-memory game's effects and a few activity sounds. Left out: music pieces (the world
music tour, the intro theme), interface clicks and bleeps, voices, the drum kit (CC Sampling
Plus 1.0, not a free licence) and anything no rule names. Paths are those inside the .rcc
(``gcompris/src/activities/ACTIVITY/resource/…``), lower-cased.
"""

from __future__ import annotations

Rule = tuple[str, str | None, str]

_ANIMALS: tuple[Rule, ...] = (
    (r"explore_farm_animals/.*/pig\.", "pig", "a pig grunting and oinking"),
    (r"explore_farm_animals/.*/chickens\.", "chickens", "chickens clucking in a farmyard"),
    (r"explore_farm_animals/.*/horse\.", "horse", "a horse neighing"),
    (r"explore_farm_animals/.*/cow\.", "cow", "a cow mooing"),
    (r"explore_farm_animals/.*/sheep\.", "sheep", "a sheep bleating"),
    (r"explore_farm_animals/.*/duck\.", "duck", "a duck quacking"),
    (r"explore_farm_animals/.*/owl\.", "owl", "an owl hooting"),
    (r"explore_farm_animals/.*/cat\.", "cat", "a cat meowing"),
    (r"explore_farm_animals/.*/dog\.", "dog bark", "a dog barking"),
)

_INSTRUMENTS: tuple[Rule, ...] = (
    (r"instruments/.*/drum_kit\.", None, ""),  # CC Sampling Plus 1.0
    (r"instruments/.*/flute_traversiere\.", "flute", "a flute playing a melody"),
    (r"instruments/.*/electric_guitar\.", "electric guitar", "an electric guitar playing"),
    (r"instruments/.*/snare_drum\.", "snare drum", "a snare drum roll and hits"),
    (r"instruments/.*/horn\.", "french horn", "a French horn playing"),
    (r"instruments/.*/(accordion|organ)\.", "{1}", "an {1} playing"),
    (r"instruments/.*/castanets\.", "castanets", "castanets clicking in a rhythm"),
    (r"instruments/.*/maracas\.", "maracas", "maracas shaking in a rhythm"),
    (
        r"instruments/.*/(tambourine|harmonica|violin|cello|bongo|banjo|triangle|trumpet|"
        r"piano|cymbal|harp|timpani|saxophone|clarinet|guitar|tuba|trombone)\.",
        "{1}",
        "a {1} playing",
    ),
)

_MEMORY: tuple[Rule, ...] = (
    (
        r"memory-sound/.*/lrstartandstopcarengine",
        "car engine start",
        "a car engine starting and stopping",
    ),
    (r"memory-sound/.*/lrfireballs", "fireball whoosh", "fireballs whooshing past"),
    (
        r"memory-sound/.*/lrobject_falling",
        "object falling",
        "an object falling and hitting the floor",
    ),
    (r"memory-sound/.*/lrbuddhist_gong", "gong", "a Buddhist gong ringing out"),
    (r"memory-sound/.*/lrfactory_noise", "factory noise", "a clank of factory machinery"),
    (r"memory-sound/.*/lrring_", "ring", "a short metallic ring"),
    (r"memory-sound/.*/lrhits_", "hits", "heavy hits, one after another"),
    (r"memory-sound/.*/lrdoor_open", "door creak", "a door creaking open"),
    (r"memory-sound/.*/lrtrain_slowing_down", "train braking", "a train slowing down"),
    (r"memory-sound/.*/lrbark_", "dog bark", "a dog barking"),
    (r"memory-sound/.*/lrapplauses", "applause", "a crowd applauding"),
    (r"memory-sound/.*/lrheart_beat", "heartbeat", "a heart beating"),
    (r"memory-sound/.*/lrfrogsinpondduringstorm", "frogs", "frogs croaking in a pond in the rain"),
    (r"memory-sound/.*/lrrain_in_garden", "rain", "rain falling in a garden"),
    (r"memory-sound/.*/guitar_son", "guitar", "a single guitar note"),
)

_ACTIVITIES: tuple[Rule, ...] = (
    (r"canal_lock/.*/water_fill\.", "water filling", "water pouring into a canal lock"),
    (r"canal_lock/.*/door_(open|close)\.", "lock gate", "a heavy lock gate moving"),
    (r"watercycle/.*/harbor\d\.", "boat horn", "a ship's horn in a harbour"),
    (r"watercycle/.*/bubble\.|clickgame/.*/bubble\.", "bubbles", "bubbles in water"),
    (r"clickgame/.*/drip\.", "water drip", "a water drip"),
    (r"core/resource/sounds/water\.", "water", "water splashing"),
    (r"guessnumber/.*/helicopter\.", "helicopter", "a helicopter flying"),
    (r"railroad/.*/train\.", "train passing", "a train passing"),
    (r"target/.*/arrow\.", "arrow", "an arrow shot from a bow"),
    (r"traffic/.*/car\.", "car pass", "a car driving past"),
    (r"scalesboard/.*/metal_hit\.", "metal hit", "a metal object hit"),
    (r"reversecount/.*/icy_walk\.", "footsteps snow", "a step on ice and snow"),
    (r"mining/.*/pickaxe\.", "pickaxe", "a pickaxe striking rock"),
    (r"money/.*/money\d\.", "coins", "coins clinking"),
    (r"(erase|redraw)/.*/eraser\d?\.", "eraser", "an eraser rubbing on paper"),
    (r"redraw/.*/brush\.", "brush stroke", "a brush stroke on paper"),
    (r"melody/.*/xylofon_son\d\.", "xylophone", "a single xylophone note"),
    (r"melody/.*/knock\.", "knock", "a knock on wood"),
    (r"memory/.*/card_flip\.", "card flip", "a playing card flipped over"),
)

GCOMPRIS_RULES: dict[str, tuple[Rule, ...]] = {
    "gcompris-qt-data": _ANIMALS + _INSTRUMENTS + _MEMORY + _ACTIVITIES,
}
