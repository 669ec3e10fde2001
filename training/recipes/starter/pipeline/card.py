"""The starter bundle's ``MODEL_CARD.md``, written from ``recipe.json`` and the corpus's
``manifest.json``: what the model is, its data and licences, how and on what it was
trained, its evaluation beside the papers' figures, its CPU latency and its limits."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ambisketch.engine.json_types import JSONObject
from ambisketch.training.eval_codec import PAPER_CODEC
from ambisketch.training.eval_generator import PAPER, PAPER_LABEL

STAGE_LABELS = {
    "corpus": "build the corpus",
    "testset": "write the test set",
    "codec": "train the codec",
    "codec-export": "export the codec",
    "encode": "encode latents",
    "dit": "train the DiT",
    "eval": "evaluate",
    "export": "export",
}
CODEC_ROWS = (
    ("stft", "STFT distance"),
    ("mel", "MEL distance"),
    ("azimuth_l1", "L1 azimuth (°)"),
    ("elevation_l1", "L1 elevation (°)"),
    ("spatial_angle", "spatial angle (°)"),
)


def duration(seconds: float) -> str:
    """``"2 h 05 min"``, ``"4 min 10 s"`` or ``"12.3 s"``."""
    if seconds >= 3600:
        return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"
    if seconds >= 60:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{seconds:.1f} s"


def _num(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:.{digits}f}"


def corpus_manifest(path: str | Path) -> JSONObject | None:
    manifest = Path(path) / "manifest.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8"))


def _data_section(state: JSONObject, corpus: Path) -> list[str]:
    manifest = corpus_manifest(corpus)
    test = state["stages"].get("testset", {}).get("output", {})
    enc = state["stages"].get("encode", {}).get("output", {})
    lines = ["## Training data", ""]
    if manifest is None:
        lines += [
            f"A sound library at `{corpus}` (not a starter corpus: no manifest). "
            "**Its licences are not recorded here — add them before sharing this model.**",
            "",
        ]
    elif (
        "report" in manifest
    ):  # corpus v2: recordings from Debian packages beside the synthetic parts
        rep = manifest["report"]
        lines += [
            f"The Ambisketch starter corpus (`ambisketch dataset build-starter`): "
            f"{manifest['files']} files, {manifest.get('concept_count', '?')} concepts, "
            f"{manifest['hours']:.2f} h of 16 kHz mono sound, of which {rep['real_hours']:.2f} h "
            f"({rep['real_share']:.0%}) are real recordings — sound effects, ambiences and "
            "voices from Debian game and sound packages, long ones cut into 10 s windows — "
            "and the rest procedural effects, General MIDI renders and synthetic speech made "
            "offline. Nothing was scraped from the web; the packages `wesnoth-1.16-data` and "
            "`megaglest-data` are kept out for independent evaluation.",
            "",
            "| source | status | files | hours | licence |",
            "| --- | --- | --- | --- | --- |",
        ]
        for name, st in manifest["sources"].items():
            files = st.get("files", "—") if st["status"] == "built" else "—"
            hours = rep["hours_by_source"].get(name, 0.0)
            lines.append(
                f"| {name} | {st['status']} | {files} | {hours:.2f} | {st.get('licence', '')} |"
            )
        if rep.get("hours_by_package"):
            lines += [
                "",
                "Recordings by package (hours): "
                + ", ".join(
                    f"`{k}` {v:.2f}"
                    for k, v in sorted(rep["hours_by_package"].items(), key=lambda kv: -kv[1])
                )
                + ".",
                "",
                "Hours by licence: "
                + ", ".join(f"{k} {v:.2f}" for k, v in list(rep["hours_by_licence"].items())[:10])
                + ".",
            ]
        lines += [
            "",
            "Each file's licence: `LICENSES.md` of the corpus (in full in the appendix). "
            "Attribution is required for the CC-BY and CC-BY-SA files, and share-alike "
            "terms (CC-BY-SA, GPL) may reach a model trained on them; keep this card with "
            "the model.",
            "",
        ]
    else:
        lines += [
            f"The Ambisketch starter corpus (`ambisketch dataset build-starter`): "
            f"{manifest['files']} files, {manifest.get('concept_count', '?')} concepts, "
            f"{manifest['hours']:.2f} h of 16 kHz mono sound made or rendered offline — "
            "no recordings scraped from the web.",
            "",
            "| source | status | files | licence |",
            "| --- | --- | --- | --- |",
        ]
        for name, st in manifest["sources"].items():
            files = st.get("files", "—") if st["status"] == "built" else "—"
            lines.append(f"| {name} | {st['status']} | {files} | {st.get('licence', '')} |")
        lines += [
            "",
            "Each source's terms in full: `LICENSES.md` of the corpus. Sources under "
            "share-alike licences (CC-BY-SA, GPL) may reach a model trained on them; "
            "keep this card with the model.",
            "",
        ]
    if enc:
        lines.append(
            f"Latents: {enc['samples']} augmented samples from {enc['clips']} "
            f"clips ({enc['augmentations']} pass"
            f"{'es' * (enc['augmentations'] != 1)} of the paper's "
            f"augmentation: a static and a moving sample per clip; rooms on "
            f"{enc['room_prob']:.0%})."
        )
    if test:
        held = {
            "test": "the corpus's test split (by source file: never trained on)",
            "valid": "the corpus's valid split (never trained on)",
            "all": "every clip — **the corpus was too small to hold clips out, so the "
            "figures below are optimistic**",
            "given": f"a given test set (`{test.get('path')}`)",
        }[test["split"]]
        lines.append(f"Test set: {test['clips']} clips from {held}.")
    return lines + [""]


def _training_section(state: JSONObject, configs: JSONObject) -> list[str]:
    stages = state["stages"]
    lines = ["## Training", "", "| stage | steps | time | hardware |", "| --- | --- | --- | --- |"]
    total = 0.0
    for name, label in STAGE_LABELS.items():
        rec = stages.get(name)
        if not rec or name == "export":
            continue
        total += rec.get("seconds", 0.0)
        steps = str(rec.get("step", "")) if name in ("codec", "dit") else ""
        hw = "; ".join(rec.get("hardware", []))
        lines.append(f"| {label} | {steps} | {duration(rec.get('seconds', 0.0))} | {hw} |")
    lines += [f"| **all** | | **{duration(total)}** | |", ""]
    codec, dit = configs["codec"], configs["dit"]
    c_out, d_out = stages["codec"].get("output", {}), stages["dit"].get("output", {})
    lines += [
        f"- Codec: {configs['codec_summary']}; batch {codec['batch_size']} of "
        f"{codec['crop_seconds']:g} s crops, lr {codec['lr']:g}, discriminator from step "
        f"{codec['adversarial_after']}; ended by {c_out.get('ended_by', '?')}.",
        f"- DiT: width {dit['dit']['width']} × depth {dit['dit']['depth']} "
        f"({configs['dit_params'] / 1e6:.1f} M parameters with the conditioner), batch "
        f"{dit['batch_size']}×{dit['grad_accum']} of {dit['clip_seconds']:g} s, AdamW lr "
        f"{dit['lr']:g} (path conditioner ×{dit['trajectory_lr_mult']:g}), EMA "
        f"{dit['ema_decay']}"
        + ("; on per-channel standardised latents" if dit.get("normalise_latents", False) else "")
        + f"; ended by {d_out.get('ended_by', '?')}.",
        "- Parametric and descriptive in one model: captions are plain or spatial at "
        f'random ("{dit["caption_mode"]}"), the path is dropped with p = '
        f"{dit['trajectory_dropout']:g} and the text with p = {dit['text_dropout']:g}, "
        "independently (classifier-free guidance for both).",
        f"- Recipe: `ambisketch train starter --size {state['settings']['size']}` "
        f"(codec kind `{state['settings']['codec_kind']}`, seed "
        f"{state['settings']['seed']}); {len(state.get('sessions', []))} session(s).",
        "",
    ]
    return lines


def _eval_section(metrics: JSONObject) -> list[str]:
    lines = ["## Evaluation", ""]
    codec = metrics.get("codec")
    if codec:
        lines += [
            f"Codec, {codec['clips']} test clips (SonicMotion Table 3; lower is better):",
            "",
            "| metric | this codec | paper |",
            "| --- | --- | --- |",
        ]
        lines += [
            f"| {label} | {_num(codec.get(k))} | {PAPER_CODEC[k]:.2f} |" for k, label in CODEC_ROWS
        ]
        lines.append("")
    gen = metrics.get("generator")
    if gen:
        s = gen["settings"]
        lines += [
            f"Generator, {gen['clips']} test clips, {s['steps']} steps, cfg "
            f"{s['cfg_scale']:g} (SonicMotion Table 2, degrees; lower is better):",
            "",
            "| mode | L1 azimuth | L1 elevation | spatial angle |",
            "| --- | --- | --- | --- |",
        ]
        for mode, m in gen["modes"].items():
            p = PAPER[mode]
            lines += [
                f"| {mode} (this model) | {_num(m['azimuth_l1'])} | "
                f"{_num(m['elevation_l1'])} | {_num(m['spatial_angle'])} |",
                f"| {mode} (paper {PAPER_LABEL[mode]}) | {p['azimuth_l1']:.2f} | "
                f"{p['elevation_l1']:.2f} | {p['spatial_angle']:.2f} |",
            ]
        quality = {k for m in gen["modes"].values() for k in m.get("quality", {})}
        if quality:
            lines += [
                "",
                "| audio quality | " + " | ".join(gen["modes"]) + " |",
                "| --- |" + " --- |" * len(gen["modes"]),
            ]
            for key in sorted(quality):
                lines.append(
                    f"| {key} | "
                    + " | ".join(
                        _num(m.get("quality", {}).get(key), 3) for m in gen["modes"].values()
                    )
                    + " |"
                )
        lines += _content_lines(gen.get("content"))
        lines += [""] + [f"Note: {n}" for n in gen.get("notes", [])] + [""]
    lat = metrics.get("latency")
    if lat:
        lines += [
            f"Latency: a {lat['take_seconds']:g} s take at {lat['steps']} steps "
            f"({lat['sampler']}) takes {lat['seconds']:.1f} s on {lat['cpu']} "
            f"({lat['threads']} torch thread(s), CPU only): {lat['realtime']:.2f}× real "
            "time.",
            "",
        ]
    return lines


def _content_lines(c: JSONObject | None) -> list[str]:
    """The aiSFX content metric: does a take sound like what its prompt names?"""
    if not c:
        return []
    return [
        "",
        f"Content (does a take sound like its prompt?): {c['takes']} text-only takes "
        f"for the prompts of {c['labels']} classes of real recordings the model never "
        f"heard ({c['real_clips']} recordings), judged by the aiSFX sound-effects "
        "embedding (Ma & Lerch, ISMIR 2022):",
        "",
        "| FD aiSFX (W) | class accuracy | chance | real recordings (leave one out) |",
        "| --- | --- | --- | --- |",
        f"| {_num(c['fd_aisfx_w'], 1)} | {c['class_accuracy']:.0%} | {c['chance']:.0%} | "
        f"{c['real_accuracy']:.0%} |",
    ]


def _corpus_limit(corpus: Path) -> str:
    rep = (corpus_manifest(corpus) or {}).get("report")
    if rep:
        return (
            f"- Real recordings are {rep['real_share']:.0%} of the corpus, much of them speech "
            "(telephone prompts, game dialogue) and game sound effects; everyday sounds it has "
            "few recordings of get the nearest sound it knows."
        )
    return (
        "- The corpus is synthetic or rendered (procedural effects, General MIDI "
        "instruments, synthetic speech, a few game and desktop sounds): prompts about "
        "things it never heard (a real dog, traffic, a crowd) get the nearest sound it "
        "knows, not a recording-like one."
    )


def model_card(
    state: JSONObject,
    corpus: Path,
    configs: JSONObject,
    defaults: JSONObject,
    half: bool,
    size_bytes: int,
) -> str:
    """MODEL_CARD.md for the bundle (see the module doc)."""
    settings = state["settings"]
    steps = state["stages"]["dit"]["output"]["step"]
    head = [
        f"# Ambisketch starter model ({settings['size']})",
        "",
        f"The default generator of Ambisketch: prompt + a path on the sphere → a moving "
        f"First-Order Ambisonics (AmbiX) clip of up to {configs['dit']['clip_seconds']:g} s "
        f"at 16 kHz. A {configs['codec_summary']} and a conditioned diffusion transformer "
        f"trained {steps} steps on its latents; weights in "
        f"{'float16' if half else 'float32'} ({size_bytes / 1e6:.1f} MB).",
        "",
        "```sh",
        'ambisketch generate "a helicopter flying" --path orbit -o heli.wav',
        "```",
        "",
        f"Defaults: {defaults['steps']} steps, guidance {defaults['cfg_scale']:g}, sampler "
        f"{defaults['sampler']}. With `--path` the sound follows the path (parametric mode); "
        'without, spatial words in the prompt ("on the left", "moving from the front to '
        'the right, slowly") place it (descriptive mode).',
        "",
    ]
    limits = [
        "## Known limits",
        "",
        "- Small and briefly trained: audio quality and prompt fidelity are far below the "
        "papers' models, which train ~1 B parameters for 100 k steps on large GPU nodes.",
        _corpus_limit(corpus),
        "- Elevation was drawn within ±35° in training; paths far above or below are "
        "extrapolation. One source at a time.",
        "- **Band-limited to 8 kHz**: the model works at 16 kHz, so nothing above 8 kHz "
        "is generated; exporting at 44.1/48 kHz resamples but adds no highs "
        "(`ambisketch bench --only full-band` measures what a 48 kHz codec would cost). "
        f"At most {configs['dit']['clip_seconds']:g} s per window; longer takes are made "
        "in overlapping windows.",
        "- Room size, distance and decay time are learned only if the latents had rooms "
        "(the gpu size); otherwise `--room`/`--distance` have little effect.",
    ]
    if half:
        limits.append(
            "- Weights are stored in float16 to keep the bundle small; they are "
            "loaded as float32 (rounding only)."
        )
    return (
        "\n".join(
            head
            + _data_section(state, corpus)
            + _training_section(state, configs)
            + _eval_section(state.get("metrics", {}))
            + limits
            + _licences_appendix(corpus)
        )
        + "\n"
    )


def _licences_appendix(corpus: Path) -> list[str]:
    """The corpus's LICENSES.md in full (attribution travels with the model), its
    headings moved two levels down."""
    path = corpus / "LICENSES.md"
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    if "## Every recorded file" in text:  # corpus v2: the per-file table (~12 000 rows) stays there
        text = text[: text.index("## Every recorded file")] + [
            "## Every recorded file",
            "",
            "Each recorded file's origin and licence: the table at the end of the corpus's "
            "`LICENSES.md` (one row per file).",
        ]
    return ["", "## Appendix: the training corpus's licences", ""] + [
        "##" + line if line.startswith("#") else line for line in text
    ]
