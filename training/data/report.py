"""The scan report: what was used, what was skipped and why, where captions came from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ambisketch.engine.json_types import JSONObject

SKIP_REASONS = ("unreadable", "silent", "too-short", "duplicate")


def duration_text(seconds: float) -> str:
    """``9.7`` → ``0:10``, ``754`` → ``12:34``, ``5400`` → ``1:30:00`` (h:mm:ss past an hour)."""
    total = int(round(max(0.0, float(seconds))))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@dataclass
class ScanReport:
    """Counts and per-file reasons of one library scan (printed and written as JSON)."""

    root: str
    files_found: int = 0
    files_used: int = 0
    clips: int = 0
    seconds: float = 0.0
    cached_files: int = 0
    scan_seconds: float = 0.0
    skipped: list[dict[str, str]] = field(default_factory=list)
    used: list[JSONObject] = field(default_factory=list)
    caption_sources: dict[str, int] = field(
        default_factory=lambda: {"sidecar": 0, "table": 0, "filename": 0}
    )
    notes: list[str] = field(default_factory=list)
    settings: JSONObject = field(default_factory=dict)

    def skip(self, file: str, reason: str, detail: str) -> None:
        self.skipped.append({"file": file, "reason": reason, "detail": detail})

    def use(
        self, caption_source: str, seconds: float, clips: int, file: str = "", caption: str = ""
    ) -> None:
        """Count a used file; with ``file``, list it with its caption and where that came
        from (the JSON report's ``used``)."""
        if file:
            self.used.append(
                {
                    "file": file,
                    "caption": caption,
                    "caption_source": caption_source,
                    "clips": clips,
                    "seconds": round(seconds, 3),
                }
            )
        self.files_used += 1
        self.clips += clips
        self.seconds += seconds
        self.caption_sources[caption_source] += 1

    @property
    def hours(self) -> float:
        return self.seconds / 3600.0

    @property
    def skip_counts(self) -> dict[str, int]:
        counts = {r: 0 for r in SKIP_REASONS}
        for s in self.skipped:
            counts[s["reason"]] = counts.get(s["reason"], 0) + 1
        return counts

    def to_dict(self) -> JSONObject:
        out = asdict(self)
        out["hours"] = self.hours
        out["skip_counts"] = self.skip_counts
        return out

    def write(self, path: str | Path) -> Path:
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return p

    def format(self, max_listed: int = 20) -> str:
        """A human summary: totals, skip reasons with the first files, caption sources."""
        lines = [
            f"library: {self.root}",
            f"files: {self.files_found} found, {self.files_used} used "
            f"({self.clips} clips, {duration_text(self.seconds)} long), "
            f"{len(self.skipped)} skipped; "
            f"{self.cached_files} from cache, scan {self.scan_seconds:.1f} s",
            "captions: " + ", ".join(f"{k} {v}" for k, v in self.caption_sources.items()),
        ]
        counts = {k: v for k, v in self.skip_counts.items() if v}
        if counts:
            lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
            for s in self.skipped[:max_listed]:
                lines.append(f"  {s['reason']:<10} {s['file']}: {s['detail']}")
            if len(self.skipped) > max_listed:
                lines.append(f"  … and {len(self.skipped) - max_listed} more (see the JSON report)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
