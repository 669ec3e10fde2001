"""``ambisketch takes inpaint``: regenerate a time range of a take and keep the rest.

The new take goes into the project beside the old one (``NAME_inpaint``, ``-2``, … unless
``-o`` names it); the old one is not touched. Its sidecar says which take and range it came
from, so it can be made again.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ambisketch.engine.audio_io import sidecar_path
from ambisketch.engine.catalog import default_bundle
from ambisketch.engine.errors import EngineError
from ambisketch.engine.generate import GenerationRequest
from ambisketch.engine.start_from import StartFrom
from ambisketch.engine.takes import TakeRecord, TakeStore, check_name
from ambisketch.engine.takes.latents import latents_path

from .cli_support import note


def register_inpaint(
    add: Callable[[str, str, str], argparse.ArgumentParser],
    func: Callable[[argparse.Namespace], int] | None = None,
) -> None:
    """Add ``inpaint`` to the ``takes`` group (``add`` is the group's parser factory)."""
    p = add(
        "inpaint",
        "regenerate a time range of a take and keep the rest",
        "  ambisketch takes inpaint rain --from 2.5 --to 4\n"
        '  ambisketch takes inpaint dog --from 1 --to 2 "a dog growling" --seed 7\n'
        "  ambisketch takes inpaint bee --from 3 --to 5 --strength 0.6 -o bee-softer\n\n"
        "The range is generated again in the context of the rest, with the take's prompt "
        "(or PROMPT), path and model; outside the range the new take is the old one, "
        "sample for sample. The old take is kept.",
    )
    p.add_argument("name", help="the take")
    p.add_argument(
        "prompt", nargs="?", help="what the range should be (default: the take's prompt)"
    )
    # "--to 4 a wasp": argparse has matched NAME [PROMPT] before the options, so words after
    # a time are the prompt (the documented order, TAKE --from T0 --to T1 [PROMPT]).
    p.add_argument(
        "--from",
        dest="start",
        nargs="+",
        required=True,
        metavar="T0",
        action=_TimeThenWords,
        help="start of the range in seconds",
    )
    p.add_argument(
        "--to",
        dest="end",
        nargs="+",
        required=True,
        metavar="T1",
        action=_TimeThenWords,
        help="end of the range in seconds",
    )
    p.add_argument(
        "--strength",
        type=float,
        default=1.0,
        metavar="S",
        help="0-1: 1 (default) makes the range new, lower keeps some of its sound",
    )
    p.add_argument("--seed", type=int, metavar="N", help="random seed (default: a new one)")
    p.add_argument("--steps", type=int, metavar="N", help="sampler steps (default: the take's)")
    p.add_argument(
        "-o",
        "--output",
        metavar="NAME",
        help="the new take's name (default: NAME_inpaint, -2, -3 … when taken)",
    )
    p.add_argument(
        "--model",
        metavar="BUNDLE_DIR",
        help="model bundle (default: the one that made the take, else the shipped)",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to run (default: a GPU when there is one)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=func or cmd_inpaint)


class _TimeThenWords(argparse.Action):
    """A time in seconds; any words after it are the prompt."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option: str | None = None,
    ) -> None:
        first, *rest = list(values)  # type: ignore[call-overload]
        try:
            setattr(namespace, self.dest, float(first))
        except ValueError:
            parser.error(f"{option} {first!r}: not a time in seconds")
        if rest:
            if getattr(namespace, "prompt", None):
                parser.error(f"two prompts: {namespace.prompt!r} and {' '.join(rest)!r}")
            namespace.prompt = " ".join(rest)


def _request(record: TakeRecord, prompt: str | None) -> GenerationRequest:
    if record.request is not None:
        req = GenerationRequest.from_dict(record.request)
        if req.init is not None and req.init.inpaint:  # inpainting an inpainted take
            req = replace(req, init=None)
        return replace(
            req,
            prompt=prompt or req.prompt,
            seconds=record.seconds,
            path=record.trajectory,
            variations=1,
        )
    if not prompt:
        raise EngineError(
            f"{record.name}: was not generated ({record.kind}), so it has no "
            "prompt; give one: ambisketch takes inpaint NAME --from T0 --to T1 "
            '"PROMPT"'
        )
    return GenerationRequest(prompt, record.trajectory, record.seconds, placement="learned")


def _free_name(store: TakeStore, base: str) -> str:
    name, n = base, 2
    while any(p.exists() for p in _files(store.folder / f"{name}.wav")):
        name = f"{base}-{n}"
        n += 1
    return name


def _files(wav: Path) -> tuple[Path, Path, Path]:
    return wav, sidecar_path(wav), latents_path(wav)


def cmd_inpaint(args: argparse.Namespace) -> int:
    from ambisketch.engine.generate import Generator

    store = TakeStore(Path(args.project).expanduser() if args.project else None)
    record = store.get(args.name)
    start = StartFrom(take=str(record.path), start=args.start, end=args.end, strength=args.strength)
    try:
        start.check()
    except EngineError as exc:
        raise EngineError(str(exc).replace("init strength", "--strength")) from None
    if args.end > record.seconds + 1e-3 or args.start >= record.seconds:
        raise EngineError(
            f"{record.path}: range {args.start:g}–{args.end:g} s is outside the "
            f"take (0–{record.seconds:.2f} s)"
        )
    if args.steps is not None and args.steps < 1:
        raise EngineError("--steps must be at least 1")
    name = check_name(args.output) if args.output else _free_name(store, f"{record.name}_inpaint")
    for f in _files(store.folder / f"{name}.wav"):
        if f.exists():
            raise EngineError(f"{f}: a take with this name already exists")
    request = replace(_request(record, args.prompt), init=start, seed=args.seed)
    model = args.model or (record.sidecar.get("model") or {}).get("path")
    if not model or not Path(model).is_dir():
        if not args.model and model:
            note(f"{record.name}: its model {model} is not there; using the shipped one")
        model = args.model or str(default_bundle())
    gen = Generator(model, device=args.device)
    if args.steps is not None:
        request = replace(request, steps=args.steps)
    elif record.request is None:
        d = gen.defaults
        request = replace(request, steps=d.steps, cfg_scale=d.cfg_scale, sampler=d.sampler)
    request.check()
    bar = None
    if not args.no_progress:
        from tqdm import tqdm

        bar = tqdm(total=request.steps, desc="inpainting", unit="step", leave=False)

    def progress(step: int, total: int) -> None:
        if bar is not None:
            bar.total = total
            bar.update(step - bar.n)

    try:
        take = gen.generate(request, progress=progress)[0]
    finally:
        if bar is not None:
            bar.close()
    new = store.add(take, name)
    how = (
        "its kept latents"
        if take.model.get("inpaint_latents") == "kept"
        else "its audio encoded (it keeps no latents)"
    )
    print(
        f"wrote {new.name}: {args.start:g}–{min(args.end, record.seconds):g} s of "
        f"{record.name} made again from {how} (seed {take.request.seed}, "
        f"{take.timings.get('total', 0.0):.1f} s on {gen.device})"
    )
    return 0
