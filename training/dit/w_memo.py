"""The W latents of dry training samples, encoded once per clip and kept with the run.

With the factored codec a sample's latents are the mono encoder's latents of W followed by
the DirAC direction channels (a cheap analysis). A dry sample's W is the library clip itself
(SN3D: W = the source), whatever path it was placed on, so its W latents depend only on the
clip — yet encoding W is ~93 % of the on-the-fly encoding time on a CPU (5.0 of 5.3 s for
8 × 10 s on one thread). :class:`WLatentMemo` encodes each clip's W once and reuses it for
every later sample of that clip (static or moving, any path); the directions are still
analysed from each sample's own FOA, so the latents are exactly what the codec's ``encode``
gives. Samples in a room (their W carries the room) and posterior samples are encoded whole.

The memo is kept in the run folder (``w-latents/part-NNNNN.safetensors``, only the entries
added since the last part, written atomically at each checkpoint) and read back when the run
resumes, so a later session starts at full speed. Parts made elsewhere for the same codec
(any other ``part-NAME.safetensors``, e.g. encoded ahead on a spare core by ``ambisketch train
encode-w``, :mod:`.w_ahead`) are read too, also while the run trains: the trainer looks for
new parts at each checkpoint. Each part names the codec's fingerprint; parts of another codec
are ignored. Keys name the scan cache's entry of the clip, which
changes when the file does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ambisketch.engine.files import atomic_target

if TYPE_CHECKING:
    from ambisketch.engine.models.codec_kinds import AnyCodec

FOLDER = "w-latents"
MAX_ENTRIES = 200_000  # × ~6 KB (20 channels × 78 frames) ≈ 1.2 GB at most


class WLatentMemo:
    """W latents per clip key for ``codec`` (a factored codec; others are not memoised)."""

    def __init__(self, codec: AnyCodec, fingerprint: str) -> None:
        self.codec, self.fingerprint = codec, fingerprint
        self.enabled = hasattr(codec, "directions") and hasattr(codec, "posterior")
        self.entries: dict[str, torch.Tensor] = {}
        self._unsaved: list[str] = []
        self._read: set[str] = set()  # part files already read (or written) by this memo
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self.entries)

    def encode(self, foa: torch.Tensor, keys: Sequence[str] | None) -> torch.Tensor:
        """The codec's latents (means) of ``foa`` (batch, 4, samples); ``keys[i]`` names
        item i's W when it is a memoisable clip ("" when it is not)."""
        codec = self.codec
        if not self.enabled or keys is None or not any(keys):
            return codec.encode(foa, sample=False)
        todo = [i for i, k in enumerate(keys) if not k or k not in self.entries]
        self.hits += len(keys) - len(todo)
        self.misses += len(todo)
        w_new = codec.posterior(foa[todo]).mean if todo else None  # type: ignore[union-attr]
        parts: list[torch.Tensor] = []
        fresh = dict(zip(todo, range(len(todo)), strict=True))
        for i, key in enumerate(keys):
            if i in fresh:
                assert w_new is not None
                w = w_new[fresh[i]]
                if key:
                    self.add(key, w)
            else:
                w = self.entries[key].to(foa.device, foa.dtype)
            parts.append(w)
        w_all = torch.stack(parts)
        side = codec.side_channels(foa)  # type: ignore[union-attr]  # directions, envelope
        return torch.cat([w_all, side.to(w_all.dtype)], dim=1)

    def add(self, key: str, w: torch.Tensor) -> None:
        """Keep ``w`` (W latents of one crop) under ``key`` until the next :meth:`save`."""
        if len(self.entries) < MAX_ENTRIES:
            self.entries[key] = w.detach().to("cpu", torch.float32).clone()
            self._unsaved.append(key)

    # --- kept with the run --------------------------------------------------------------
    def load(self, run_dir: str | Path) -> int:
        """Read the run's parts of this codec that this memo has not read yet (so calling it
        again picks up parts written since, e.g. by ``train encode-w``); returns how many
        new entries were read."""
        folder = Path(run_dir) / FOLDER
        if not self.enabled or not folder.is_dir():
            return 0
        n = 0
        for part in sorted(folder.glob("part-*.safetensors")):
            if part.name in self._read:
                continue
            try:
                with safe_open(str(part), framework="pt") as f:
                    if (f.metadata() or {}).get("codec") != self.fingerprint:
                        self._read.add(part.name)
                        continue
                    for key in f.keys():
                        if len(self.entries) >= MAX_ENTRIES:
                            return n
                        if key not in self.entries:
                            self.entries[key] = f.get_tensor(key).float()
                            n += 1
                self._read.add(part.name)
            except Exception:  # noqa: BLE001 - a damaged part only costs its re-encoding
                continue
        return n

    def save(self, run_dir: str | Path, prefix: str = "part-") -> Path | None:
        """Write the entries added since the last save as a new part, ``PREFIXNNNNN``
        numbered on from the folder's parts of that prefix (None: nothing new)."""
        if not self._unsaved:
            return None
        folder = Path(run_dir) / FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [p.stem[len(prefix) :] for p in folder.glob(f"{prefix}*.safetensors")]
        index = 1 + max((int(n) for n in numbers if n.isdigit()), default=-1)
        target = folder / f"{prefix}{index:05d}.safetensors"
        tensors = {k: self.entries[k].contiguous() for k in self._unsaved}
        with atomic_target(target) as tmp:
            save_file(tensors, str(tmp), metadata={"codec": self.fingerprint})
        self._unsaved = []
        self._read.add(target.name)
        return target


def w_key(item: dict[str, object], start_frame: int, frames: int) -> str:
    """The memo key of a source item's crop, or "" when its W is not the clip alone (a
    sample in a room) or the item does not name its clip."""
    clip = item.get("clip_id")
    room = item.get("room")
    if not clip or (isinstance(room, dict) and room.get("in_room")):
        return ""
    return f"{clip}@{start_frame}+{frames}"
