"""Build the starter corpus's recorded source from one sound package laid out in a package
cache (as ``apt-get download`` + unpacking leaves it), for tests of a package's reader,
captions and licences."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ambisketch.training.recipes.starter import BuildOptions, build_starter
from ambisketch.training.recipes.starter import recorded as R


def build_package_corpus(
    monkeypatch: pytest.MonkeyPatch, cache: Path, package: str, copyright_text: str, out: Path
) -> dict[str, dict[str, str]]:
    """Write ``package``'s Debian copyright file into ``cache/package`` (its audio is laid
    out there already), build the recorded corpus from that package alone into ``out``, and
    return its rows by caption."""
    doc = cache / package / "usr/share/doc" / package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text(copyright_text)
    pkg = next(p for p in R.PACKAGES if p.name == package)
    monkeypatch.setattr(R, "PACKAGES", (pkg,))
    monkeypatch.setattr(R, "_installed", lambda p: False)
    build_starter(
        out,
        BuildOptions(only=("recorded",), jobs=1, install=False, debs=str(cache)),
        progress=False,
        log=lambda _: None,
    )
    return {r["caption"]: r for r in csv.DictReader((out / "captions.csv").open())}
