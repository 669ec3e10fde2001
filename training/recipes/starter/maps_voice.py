"""Caption tables for recorded voices, per Debian package (rules as in :mod:`.maps_effects`;
``{words}`` in a caption is the file name's words, ``{1}`` the rule's first group).

Real recorded speech: telephone prompts (Asterisk: one professional speaker per language),
game dialogue (Fish Fillets NG: Czech, Dutch and English voice actors), shouted game lines
(Hedgewars voice packs, 0 A.D. units, Red Eclipse announcer).
"""

from __future__ import annotations

Rule = tuple[str, "str | None", str]

_ASTERISK_SPEAKERS = {
    "en": ("english", "a woman", "American English"),
    "es": ("spanish", "a woman", "Mexican Spanish"),
    "fr": ("french", "a woman", "Canadian French"),
    "it": ("italian", "a man", "Italian"),
    "ru": ("russian", "a woman", "Russian"),
}


def _asterisk(lang: str) -> tuple[Rule, ...]:
    word, who, tongue = _ASTERISK_SPEAKERS[lang]
    return (
        (r"/silence/", None, ""),
        (
            r"/digits/",
            f"telephone prompt {word}",
            f"{who} saying a number in {tongue}, telephone voice prompt",
        ),
        (
            r"/letters/|/phonetic/",
            f"telephone prompt {word}",
            f"{who} spelling a letter in {tongue}, telephone voice prompt",
        ),
        (
            r"\.wav$",
            f"telephone prompt {word}",
            f"{who} reading a telephone voice prompt in {tongue}",
        ),
    )


def _fillets(lang: str, tongue: str) -> tuple[Rule, ...]:
    folder = rf"/sound/[a-z0-9_]+/{lang}/"
    return (
        (
            folder + r"[a-z0-9]+-m-",
            f"female speech {tongue.lower()}",
            f"a woman speaking {tongue}, expressive game dialogue",
        ),
        (
            folder + r"[a-z0-9]+-v-",
            f"male speech {tongue.lower()}",
            f"a man speaking {tongue}, expressive game dialogue",
        ),
        (
            folder,
            f"character voice {tongue.lower()}",
            f"a character voice speaking {tongue} in a comic game dialogue",
        ),
    )


_HEDGEWARS_PACKS = {
    "british": "a man with a British accent",
    "classic": "a cartoon voice",
    "default": "a man",
    "default_es": "a man|Spanish",
    "default_pl": "a man|Polish",
    "default_ru": "a man|Russian",
    "default_uk": "a man|Ukrainian",
    "hillbilly": "a man with a hillbilly accent",
    "mobster": "a gangster-style man",
    "pirate": "a pirate-voiced man",
    "russian": "a man with a Russian accent",
    "russian_pl": "a man with a Russian accent",
    "singer": "a singing man",
    "surfer": "a surfer-dude voice",
}


def _hedgewars_voices() -> tuple[Rule, ...]:
    rules: list[Rule] = [
        (r"/voices/robot/", None, ""),  # processed robot voice: not a recording of a voice as heard
        (r"/voices/[a-z_]+/(ow|ooff|ouch)\d?\.", "man grunt pain", "a man grunting in pain"),
        (r"/voices/[a-z_]+/laugh", "man laugh", "a man laughing"),
        (r"/voices/[a-z_]+/poisoncough", "cough", "a man coughing"),
        (r"/voices/[a-z_]+/poisonmoan", "man groan", "a man groaning"),
        (r"/voices/[a-z_]+/(jump|firepunch)\d", "man effort grunt", "a man's short effort grunt"),
    ]
    for pack, who in _HEDGEWARS_PACKS.items():  # one concept per character voice
        who, _, tongue = who.partition("|")
        rules.append(
            (
                rf"/voices/{pack}/",
                f"cartoon voice {pack.replace('_', ' ')}",
                f'{who} shouting "{{words}}"' + (f" in {tongue}" if tongue else ""),
            )
        )
    return tuple(rules)


_0AD_TONGUES = {
    "greek": "ancient Greek",
    "latin": "Latin",
    "napatan": "Meroitic",
    "persian": "Old Persian",
}
_0AD_VOICES: tuple[Rule, ...] = tuple(
    r
    for lang, tongue in _0AD_TONGUES.items()
    for r in (
        (
            rf"voice/{lang}/civ/civ_female",
            f"female voice command {lang}",
            f"a woman calling out an order in {tongue}",
        ),
        (
            rf"voice/{lang}/civ/civ_male",
            f"male voice command {lang}",
            f"a man calling out an order in {tongue}",
        ),
    )
)

_REDECLIPSE_VOICES: tuple[Rule, ...] = (
    (r"/announcer/", "announcer voice", 'a male announcer saying "{words}"'),
    (r"/voice/(argh|boom|pzap)", "man shout", "a man shouting"),
    (r"/voice/", "man shout", 'a man saying "{words}"'),
)

_FLIGHTGEAR_VOICES: tuple[Rule, ...] = (
    (r"/tcas/female/", "cockpit voice callout", 'a female cockpit voice callout "{words}"'),
    (r"/mk-viii/", "cockpit voice callout", 'a cockpit ground-proximity voice warning "{words}"'),
    (r"/checklist", "cockpit voice callout", "a pilot reading a checklist"),
)

_KTUBERLING_TONGUES = {
    "ca": "Catalan",
    "da": "Danish",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fi": "Finnish",
    "fr": "French",
    "ga": "Irish",
    "gl": "Galician",
    "it": "Italian",
    "lt": "Lithuanian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ro": "Romanian",
    "ru": "Russian",
    "sl": "Slovenian",
    "sv": "Swedish",
    "uk": "Ukrainian",
}
_KTUBERLING: tuple[Rule, ...] = tuple(
    (
        rf"/sounds/{code}/",
        f"spoken word {tongue.lower()}",
        f"a voice saying a single word in {tongue}",
    )
    for code, tongue in _KTUBERLING_TONGUES.items()
)

_WARMUX_VOICES: tuple[Rule, ...] = (
    (r"voices/(death|injured_high)", "man scream pain", "a cartoon man crying out in pain"),
    (r"voices/injured_(light|medium)", "man grunt pain", "a cartoon man grunting in pain"),
    (r"voices/(jump|backjump|superjump)", "man effort grunt", "a short effort grunt"),
)

VOICE_RULES: dict[str, tuple[Rule, ...]] = {
    "asterisk-prompt-es-co": (
        (
            r"\.gsm$",
            "telephone prompt spanish",
            "a woman reading a telephone voice prompt in Colombian Spanish",
        ),
    ),
    "asterisk-prompt-fr-armelle": (
        (
            r"\.gsm$",
            "telephone prompt french",
            "a woman reading a telephone voice prompt in French",
        ),
    ),
    "asterisk-prompt-it-menardi-wav": (
        (
            r"/digits/",
            "telephone prompt italian",
            "a woman saying a number in Italian, telephone voice prompt",
        ),
        (
            r"\.wav$",
            "telephone prompt italian",
            "a woman reading a telephone voice prompt in Italian",
        ),
    ),
    "ktuberling-data": _KTUBERLING,
    "warmux-data": _WARMUX_VOICES,
    **{f"asterisk-core-sounds-{lang}-wav": _asterisk(lang) for lang in _ASTERISK_SPEAKERS},
    "fillets-ng-data": _fillets("en", "English")
    + ((r"/sound/share/sp-bubles", "bubbles underwater", "air bubbles rising underwater"),),
    "fillets-ng-data-cs": _fillets("cs", "Czech"),
    "fillets-ng-data-nl": _fillets("nl", "Dutch"),
    "hedgewars-data": _hedgewars_voices(),
    "0ad-data": _0AD_VOICES,
    "redeclipse-data": _REDECLIPSE_VOICES,
    "flightgear-data-base": _FLIGHTGEAR_VOICES,
}
