"""Speech with espeak-ng: men, women, child-like and whispering voices, other languages.

espeak-ng is a formant synthesiser: clearly synthetic, but varied in voice, pitch and
speed, and its captions are exact. Each job is ``(concept, caption, espeak arguments)``.
"""

from __future__ import annotations

import numpy as np

ENGLISH = (
    "The train to the coast leaves at noon.",
    "Please close the door behind you.",
    "Can you hear me over there?",
    "It is going to rain this afternoon.",
    "Turn left at the next corner.",
    "Welcome to the museum.",
    "Where did you put the keys?",
    "The coffee is ready.",
    "We will be landing shortly.",
    "Look out, it is coming this way!",
    "One, two, three, four, five.",
    "Good morning, everybody.",
    "I think we are lost.",
    "Hello, is anybody there?",
    "Mind the gap between the train and the platform.",
    "Ten, nine, eight, seven, six, five, four, three, two, one.",
)
OTHER = {
    "German": (
        "de",
        (
            "Guten Morgen, wie geht es dir?",
            "Der Zug fährt um zwölf Uhr ab.",
            "Bitte schließen Sie die Tür.",
        ),
    ),
    "French": (
        "fr-fr",
        ("Bonjour, comment allez-vous?", "Le train part à midi.", "Il va pleuvoir cet après-midi."),
    ),
    "Spanish": (
        "es",
        ("Buenos días a todos.", "El tren sale a mediodía.", "¿Dónde están las llaves?"),
    ),
    "Italian": (
        "it",
        ("Buongiorno, come stai?", "Il treno parte a mezzogiorno.", "Per favore, chiudi la porta."),
    ),
    "Portuguese": (
        "pt",
        ("Bom dia, tudo bem?", "O comboio parte ao meio-dia.", "Onde estão as chaves?"),
    ),
    "Dutch": (
        "nl",
        ("Goedemorgen allemaal.", "De trein vertrekt om twaalf uur.", "Waar zijn de sleutels?"),
    ),
    "Polish": (
        "pl",
        ("Dzień dobry, jak się masz?", "Pociąg odjeżdża w południe.", "Proszę zamknąć drzwi."),
    ),
    "Swedish": ("sv", ("God morgon allihopa.", "Tåget går klockan tolv.", "Var är nycklarna?")),
    "Russian": ("ru", ("Доброе утро.", "Поезд уходит в полдень.", "Где ключи?")),
    "Greek": (
        "el",
        ("Καλημέρα σε όλους.", "Το τρένο φεύγει το μεσημέρι.", "Πού είναι τα κλειδιά;"),
    ),
}
MALE = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "Adam", "Gene", "Michael", "Mr_Serious")
FEMALE = ("f1", "f2", "f3", "f4", "f5", "Annie", "Linda", "Andrea", "Belinda")


def speech_jobs(rng: np.random.Generator, per_concept: int) -> list[tuple[str, str, list[str]]]:
    """``(concept, caption, espeak-ng argument list)`` for every speech clip."""
    jobs: list[tuple[str, str, list[str]]] = []

    def say(concept: str, caption: str, voice: str, text: str, pitch: int, speed: int) -> None:
        jobs.append((concept, caption, ["-v", voice, "-p", str(pitch), "-s", str(speed), text]))

    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    for _ in range(per_concept):
        text = pick(ENGLISH)
        say(
            "speech-man",
            "a man speaking English",
            f"en-us+{pick(MALE)}",
            text,
            int(rng.integers(25, 55)),
            int(rng.integers(140, 190)),
        )
        say(
            "speech-woman",
            "a woman speaking English",
            f"en-gb+{pick(FEMALE)}",
            pick(ENGLISH),
            int(rng.integers(50, 75)),
            int(rng.integers(140, 190)),
        )
        say(
            "speech-child",
            "a child-like high voice speaking",
            f"en-us+{pick(FEMALE)}",
            pick(ENGLISH),
            int(rng.integers(85, 99)),
            int(rng.integers(170, 220)),
        )
        say(
            "whisper",
            "a person whispering",
            f"en-us+{pick(('whisper', 'female_whisper'))}",
            pick(ENGLISH),
            50,
            int(rng.integers(120, 160)),
        )
        say(
            "speech-old-man",
            "an old man speaking slowly",
            "en-us+grandpa",
            pick(ENGLISH),
            int(rng.integers(20, 40)),
            int(rng.integers(100, 130)),
        )
        say(
            "speech-robot",
            "a robotic voice speaking",
            f"en-us+{pick(('Robosoft', 'Robosoft3', 'UniversalRobot'))}",
            pick(ENGLISH),
            int(rng.integers(40, 60)),
            int(rng.integers(130, 170)),
        )
        say(
            "speech-fast",
            "someone talking very fast",
            f"en-us+{pick(MALE + FEMALE)}",
            pick(ENGLISH),
            int(rng.integers(30, 70)),
            int(rng.integers(280, 350)),
        )
        say(
            "countdown",
            "a voice counting down from ten",
            f"en-us+{pick(MALE + FEMALE)}",
            ENGLISH[-1],
            int(rng.integers(30, 70)),
            150,
        )
    for language, (code, lines) in OTHER.items():
        for k in range(max(1, per_concept // 2)):
            male = k % 2 == 0
            voice = f"{code}+{pick(MALE if male else FEMALE)}"
            who = "a man" if male else "a woman"
            say(
                f"speech-{language.lower()}",
                f"{who} speaking {language}",
                voice,
                pick(lines),
                int(rng.integers(25, 55) if male else rng.integers(50, 75)),
                int(rng.integers(140, 180)),
            )
    return jobs
