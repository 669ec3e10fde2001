"""The corpus report: hours, concepts, share of real recordings, and hours per source,
package and licence — kept in ``manifest.json`` and printed after a build."""

from __future__ import annotations

from collections import defaultdict

from ambisketch.engine.json_types import JSONObject


def _package(row: JSONObject) -> str:
    origin = str(row.get("origin", row["source"]))
    return origin.split(":", 1)[0] if ":" in origin else row["source"]


def corpus_report(rows: list[JSONObject]) -> JSONObject:
    """Figures of a list of corpus rows (``seconds``, ``source``, ``concept``, ``real``,
    ``licence``, ``origin``)."""
    total = sum(r["seconds"] for r in rows)
    real = sum(r["seconds"] for r in rows if r.get("real"))
    by_source: dict[str, float] = defaultdict(float)
    by_package: dict[str, float] = defaultdict(float)
    by_licence: dict[str, float] = defaultdict(float)
    files_from: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        by_source[r["source"]] += r["seconds"]
        by_licence[str(r.get("licence", "?"))] += r["seconds"]
        if r["source"] == "recorded":
            by_package[_package(r)] += r["seconds"]
            files_from[_package(r)].add(str(r.get("origin")))
    real_concepts = {r["concept"] for r in rows if r.get("real")}
    return {
        "hours": round(total / 3600, 3),
        "files": len(rows),
        "concepts": len({r["concept"] for r in rows}),
        "concepts_with_recordings": len(real_concepts),
        "real_hours": round(real / 3600, 3),
        "real_share": round(real / total, 3) if total else 0.0,
        "hours_by_source": {k: round(v / 3600, 3) for k, v in sorted(by_source.items())},
        "hours_by_package": {k: round(v / 3600, 3) for k, v in sorted(by_package.items())},
        "source_files_by_package": {k: len(v) for k, v in sorted(files_from.items())},
        "hours_by_licence": {
            k: round(v / 3600, 3) for k, v in sorted(by_licence.items(), key=lambda kv: -kv[1])
        },
    }


def report_lines(rep: JSONObject) -> list[str]:
    """The report as short lines for the terminal."""
    lines = [
        f"corpus: {rep['hours']:.2f} h in {rep['files']} files, {rep['concepts']} concepts "
        f"({rep['concepts_with_recordings']} with recordings); real recordings "
        f"{rep['real_hours']:.2f} h = {100 * rep['real_share']:.0f} %"
    ]
    lines += [f"  source {k}: {v:.2f} h" for k, v in rep["hours_by_source"].items()]
    lines += [
        f"  package {k}: {v:.2f} h from {rep['source_files_by_package'].get(k, 0)} files"
        for k, v in rep["hours_by_package"].items()
    ]
    lines += [f"  licence {k}: {v:.2f} h" for k, v in list(rep["hours_by_licence"].items())[:12]]
    return lines
