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

from ambisketch.training.data.errors import DatasetError
from ambisketch.training.data.progress import Progress

from .sources import SOURCES, copyright_licences, install_packages, package_installed, run_task, tasks_for

ORDER = ("procedural", "gm", "speech", "freedesktop", "hydrogen", "games")


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


def build_starter(out: str | Path, options: BuildOptions | None = None, *,
                  progress: bool | None = None, log: Callable[[str], None] | None = None) -> dict[str, Any]:
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

    status: dict[str, dict[str, Any]] = {}
    missing_pkgs = sorted({p for s in opts.only for p in SOURCES[s].packages if not package_installed(p)})
    if missing_pkgs and opts.install:
        say(f"installing {', '.join(missing_pkgs)} …")
    install_error = install_packages(missing_pkgs) if (missing_pkgs and opts.install) else (
        f"needs Debian package(s) {', '.join(missing_pkgs)} (not installed; --no-install given)"
        if missing_pkgs else None)
    tasks: list[tuple[str, str, tuple]] = []
    for name in (s for s in ORDER if s in opts.only):
        src = SOURCES[name]
        gaps = src.missing()
        if name == "games" and not any(package_installed(p) for p in src.packages):
            gaps = list(src.packages)
        if gaps:
            status[name] = {"status": "skipped", "reason": install_error or f"missing {', '.join(gaps)}"}
            say(f"skipping {name}: {status[name]['reason']}")
            continue
        status[name] = {"status": "built", "files": 0}
        tasks += [(name, kind, args) for kind, args in tasks_for(name, opts.limit, opts.max_concepts, opts.seed)]

    rows: list[dict[str, Any]] = []
    with Progress(len(tasks), "building", progress) as bar, \
            ProcessPoolExecutor(max(1, opts.jobs)) as pool:
        futures = {pool.submit(run_task, kind, args, out, opts.rate): name for name, kind, args in tasks}
        for fut in as_completed(futures):
            name = futures[fut]
            try:
                got = fut.result()
            except Exception as exc:  # one failing task must not lose the rest; it is reported
                status[name].setdefault("errors", []).append(f"{exc.__class__.__name__}: {exc}"[:300])
                got = []
            rows += got
            status[name]["files"] += len(got)
            bar.update()
    rows.sort(key=lambda r: r["file"])
    return _write_outputs(out, rows, status, opts, time.perf_counter() - t0)


def _write_outputs(out: Path, rows: list[dict[str, Any]], status: dict[str, dict[str, Any]],
                   opts: BuildOptions, seconds: float) -> dict[str, Any]:
    with (out / "captions.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "caption", "concept", "source"])
        w.writeheader()
        for r in rows:
            w.writerow({k: r[k] for k in ("file", "caption", "concept", "source")})
    concepts: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = concepts.setdefault(r["concept"], {"files": 0, "seconds": 0.0, "sources": [], "captions": []})
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
        "version": 1, "rate": opts.rate, "format": "FLAC 16-bit mono",
        "files": len(rows), "concept_count": len(concepts),
        "hours": round(sum(r["seconds"] for r in rows) / 3600, 4), "size_bytes": size,
        "build_seconds": round(seconds, 1), "sources": status, "concepts": concepts,
        "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(opts).items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (out / "LICENSES.md").write_text(licences_markdown(status), encoding="utf-8")
    return manifest


def licences_markdown(status: dict[str, dict[str, Any]]) -> str:
    """LICENSES.md: each source's licence, and the licence names its packages declare."""
    lines = ["# Licences of the starter corpus", "",
             "Built by `ambisketch dataset build-starter` from offline sources only. Keep this file "
             "with the corpus and summarise it in the model card of any model trained on it.", ""]
    for name, st in status.items():
        lines += [f"## {name} ({st['status']})", "", SOURCES[name].licence, ""]
        if st["status"] != "built":
            lines += [f"Not included: {st.get('reason', '')}", ""]
        for pkg in SOURCES[name].packages:
            names = copyright_licences(pkg)
            if names:
                lines.append(f"- `{pkg}` declares: {', '.join(names)} "
                             f"(see `/usr/share/doc/{pkg}/copyright`)")
        lines.append("")
    return "\n".join(lines)


def add_arguments(p: Any) -> None:
    """The recipe's options on an argparse parser (shared by the CLI and ``python -m``)."""
    p.add_argument("out", metavar="OUT", help="folder to build the corpus in (outside the repository)")
    p.add_argument("--only", default=",".join(ORDER), metavar="SOURCES",
                   help=f"comma-separated sources to build (default: all of {','.join(ORDER)})")
    p.add_argument("--limit", type=int, default=24, metavar="N",
                   help="clips per concept and source (default: 24)")
    p.add_argument("--max-concepts", type=int, metavar="N",
                   help="build only the first N procedural concepts / GM programs (quick tests)")
    p.add_argument("--jobs", type=int, default=max(1, os.cpu_count() or 1),
                   help="worker processes (default: all cores)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the variants (default: 0)")
    p.add_argument("--no-install", action="store_true",
                   help="never apt-get install missing packages (skip their sources instead)")
    p.add_argument("--force", action="store_true", help="rebuild over an existing corpus")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when not a TTY")


def options_from_args(args: Any) -> BuildOptions:
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    return BuildOptions(only=only, limit=args.limit, max_concepts=args.max_concepts,
                        jobs=args.jobs, install=not args.no_install, seed=args.seed, force=args.force)
