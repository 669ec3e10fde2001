"""Distributed training on this CPU (gloo): N processes with batch B train exactly like one
process with batch N·B; each rank gets its own items and together all of them; a DDP run
checkpoints and resumes; only rank 0 writes files and logs; torchrun (two "nodes" on
localhost) and SLURM's environment launch it. Select with ``-m ddp``.

The processes run tests/training/ddp_worker.py; the one-process references run here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from ambisketch.training.checkpoint import load_checkpoint
from ambisketch.training.loop import launcher_layout

sys.path.insert(0, str(Path(__file__).parent))
from ddp_worker import codec_config  # noqa: E402

pytestmark = pytest.mark.ddp

WORKER = str(Path(__file__).with_name("ddp_worker.py"))
LAUNCHER_VARS = (
    "RANK",
    "WORLD_SIZE",
    "LOCAL_RANK",
    "LOCAL_WORLD_SIZE",
    "GROUP_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
    "NODE_RANK",
)
# The largest difference allowed between DDP and one process: float rounding (the batch
# means are summed in another order) after a few Adam steps; a wrong shard, a missed
# all-reduce or a rank's own noise gives differences of the order of the learning rate.
TOLERANCE = 2e-5


def base_env() -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in LAUNCHER_VARS and not k.startswith(("SLURM_", "TORCHELASTIC_"))
    }
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def communicate_all(
    procs: list[subprocess.Popen[str]], timeout: float = 420
) -> list[tuple[str, str]]:
    """Each process's (stdout, stderr); then every process group is killed, so that a hang
    takes torchrun's workers with it (a stray worker stalls the next test's rendezvous)."""
    outs = []
    try:
        for p in procs:
            outs.append(p.communicate(timeout=timeout))
    finally:
        for p in procs:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    return outs


def finish(procs: list[subprocess.Popen[str]]) -> None:
    for p, (out, _) in zip(procs, communicate_all(procs)):
        assert p.returncode == 0, out[-3000:]


def torchrun(args: list[object], nproc: int, *, nnodes: int = 1) -> None:
    """``torchrun`` with ``nproc`` processes per node; ``nnodes`` > 1 starts one torchrun
    per "node" on localhost (``--node_rank``), meeting at one master address and port."""
    port = free_port()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "torch.distributed.run",
                f"--nnodes={nnodes}",
                f"--node_rank={node}",
                f"--nproc_per_node={nproc}",
                "--master_addr=127.0.0.1",
                f"--master_port={port}",
                WORKER,
                *map(str, args),
            ],
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killed whole on a hang
        )
        for node in range(nnodes)
    ]
    finish(procs)


def slurm_step(args: list[object], ntasks: int) -> None:
    """The environment ``srun --ntasks N`` gives its tasks on one node (no SLURM here)."""
    port = free_port()
    procs = []
    for rank in range(ntasks):
        env = base_env()
        env.update(
            SLURM_NTASKS=str(ntasks),
            SLURM_NTASKS_PER_NODE=str(ntasks),
            SLURM_NNODES="1",
            SLURM_PROCID=str(rank),
            SLURM_LOCALID=str(rank),
            SLURM_NODEID="0",
            SLURM_JOB_ID="4242",
            SLURM_JOB_NAME="ambisketch-test",
            SLURM_NODELIST="localhost",
            MASTER_ADDR="127.0.0.1",
            MASTER_PORT=str(port),
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, WORKER, *map(str, args)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
        )
    finish(procs)


def records(folder: Path) -> dict[int, dict]:
    return {int(p.stem[4:]): json.loads(p.read_text()) for p in folder.glob("rank*.json")}


def weights(run: Path, prefixes: tuple[str, ...]) -> dict[str, torch.Tensor]:
    found = load_checkpoint(run)
    assert found is not None
    return {k: v for k, v in found[0].items() if k.startswith(prefixes)}


def max_difference(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys() and a
    return max(
        float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].is_floating_point()
    )


def losses(run: Path) -> list[float]:
    lines = (run / "metrics.csv").read_text().splitlines()
    col = lines[0].split(",").index("loss")
    return [float(line.split(",")[col]) for line in lines[1:]]


def files_of(run: Path) -> dict[str, int]:
    """Every file of a run folder (relative name → permission bits)."""
    return {
        str(p.relative_to(run)): p.stat().st_mode & 0o777 for p in run.rglob("*") if p.is_file()
    }


def test_launcher_layout_from_torchrun_and_slurm() -> None:
    assert launcher_layout({}) is None
    assert launcher_layout({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "2"}) == (2, 2)
    assert launcher_layout(
        {"SLURM_NTASKS": "8", "SLURM_NNODES": "2", "SLURM_JOB_NAME": "train"}
    ) == (4, 2)
    # an interactive SLURM shell is no launcher (Lightning's own rule)
    assert launcher_layout({"SLURM_NTASKS": "8", "SLURM_JOB_NAME": "bash"}) is None


def test_codec_ddp_equals_one_process_and_resumes(tmp_path: Path) -> None:
    from ambisketch.training.codec.config import resolve_train_config
    from ambisketch.training.codec.data import SyntheticFoaSource
    from ambisketch.training.codec.trainer import CodecTrainer

    # One process, batch 4: steps 1-2, then on to 4 (what the DDP run does with a restart).
    config = codec_config(resolve_train_config("tiny"), 4)
    ref_run = tmp_path / "one"
    ref = CodecTrainer(
        config, ref_run, SyntheticFoaSource(8, 0.5, seed=1), accelerator="cpu", log=lambda m: None
    )
    start = weights_of(ref)
    ref.fit(2, progress=False)
    ref_2 = weights(ref_run, ("codec.", "ema."))
    ref.fit(4, progress=False)
    ref_4 = weights(ref_run, ("codec.", "ema."))

    # Two processes, batch 2 each: SLURM's environment to step 2, then torchrun resumes.
    run, rec_a, rec_b = tmp_path / "ddp", tmp_path / "a", tmp_path / "b"
    rec_a.mkdir()
    rec_b.mkdir()
    slurm_step(["codec", run, rec_a, 2, 2], ntasks=2)
    diff_2 = max_difference(weights(run, ("codec.", "ema.")), ref_2)
    torchrun(["codec", run, rec_b, 4, 2], nproc=2)
    diff_4 = max_difference(weights(run, ("codec.", "ema.")), ref_4)
    print(
        f"codec DDP vs one process: max |weight difference| {diff_2:.2e} at step 2, "
        f"{diff_4:.2e} at step 4 after resuming (weights moved by "
        f"{max_difference(start, {k: v for k, v in ref_4.items() if k.startswith('codec.')}):.2e})"
    )
    assert diff_2 < TOLERANCE and diff_4 < TOLERANCE

    a, b = records(rec_a), records(rec_b)
    assert sorted(a) == sorted(b) == [0, 1] and a[1]["world"] == 2
    assert a[0]["strategy"] == b[0]["strategy"] == "DDPStrategy"
    # each rank its own items; together every item one process with batch 4 trains on
    per_rank = [sum(a[r]["items"] + b[r]["items"], []) for r in (0, 1)]
    assert not set(per_rank[0]) & set(per_rank[1])
    assert sorted(per_rank[0] + per_rank[1]) == list(range(4 * 4))
    # only rank 0 logs and writes (rank 1 ran under umask 077: its files would be 0600)
    assert a[1]["logs"] == [] and b[1]["logs"] == []
    assert any("resumed" in line and "step 2" in line for line in b[0]["logs"])
    files = files_of(run)
    assert files.keys() == files_of(ref_run).keys()
    assert all(mode & 0o044 for mode in files.values()), files
    # the logged loss is the mean over the ranks: the one process's loss
    assert losses(run) == pytest.approx(losses(ref_run), rel=1e-4)


def weights_of(trainer) -> dict[str, torch.Tensor]:  # type: ignore[no-untyped-def]
    from ambisketch.training.loop import unwrap

    return {f"codec.{k}": v.detach().clone() for k, v in unwrap(trainer.codec).state_dict().items()}


def test_dit_on_two_torchrun_nodes_equals_one_process(tmp_path: Path) -> None:
    from ambisketch.engine.models.codec import CODEC_PRESETS, FoaCodec
    from ambisketch.engine.models.text_encoder import MINILM_ID, TextEncoder
    from ambisketch.training.codec.data import SyntheticFoaSource
    from ambisketch.training.dit.config import DIT_TRAIN_PRESETS
    from ambisketch.training.dit.trainer import DitTrainer

    torch.manual_seed(3)
    codec = FoaCodec(CODEC_PRESETS["tiny"]).eval()
    config = replace(
        DIT_TRAIN_PRESETS["tiny"], batch_size=4, checkpoint_every=2, log_every=1, num_workers=0
    )
    ref_run = tmp_path / "one"
    ref = DitTrainer(
        config,
        ref_run,
        SyntheticFoaSource(6, 0.3, seed=1),
        codec,
        accelerator="cpu",
        log=lambda m: None,
        text_encoder=TextEncoder(MINILM_ID, cache_size=64),
    )
    start = {f"model.{k}": v.detach().clone() for k, v in ref.diffusion.state_dict().items()}
    ref.fit(3, progress=False)

    run, rec = tmp_path / "ddp", tmp_path / "rec"
    rec.mkdir()
    torchrun(["dit", run, rec, 3, 2], nproc=1, nnodes=2)
    diff = max_difference(weights(run, ("model.", "ema.")), weights(ref_run, ("model.", "ema.")))
    moved = max_difference(start, weights(ref_run, ("model.",)))
    print(
        f"DiT on 2 torchrun nodes vs one process: max |weight difference| {diff:.2e} "
        f"(weights moved by {moved:.2e})"
    )
    assert diff < TOLERANCE
    r = records(rec)
    assert {r[0]["node_rank"], r[1]["node_rank"]} == {0, 1} and r[0]["world"] == 2
    assert sorted(sum(r[0]["items"] + r[1]["items"], [])) == list(range(3 * 4))
    assert r[1]["logs"] == [] and files_of(run).keys() == files_of(ref_run).keys()
    assert all(mode & 0o044 for mode in files_of(run).values())
    assert losses(run) == pytest.approx(losses(ref_run), rel=1e-4)


def _train_codec_cli(run: Path) -> list[str]:
    return [
        "-m",
        "ambisketch",
        "train",
        "codec",
        "--data",
        "synthetic",
        "--out",
        str(run),
        "--config",
        "tiny",
        "--steps",
        "2",
        "--device",
        "cpu",
        "--no-progress",
    ]


def test_cli_on_two_torchrun_nodes_as_the_readme_says(tmp_path: Path) -> None:
    """``torchrun --nnodes 2 --node_rank N … -m ambisketch train codec …`` on each of two
    "nodes" (here both on localhost): one run, written and reported by rank 0 alone."""
    run, port = tmp_path / "run", free_port()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "torch.distributed.run",
                "--nnodes=2",
                f"--node_rank={node}",
                "--nproc_per_node=1",
                "--master_addr=127.0.0.1",
                f"--master_port={port}",
                *_train_codec_cli(run),
            ],
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: killed whole on a hang
        )
        for node in (0, 1)
    ]
    outs = communicate_all(procs)
    assert [p.returncode for p in procs] == [0, 0], outs
    (out0, err0), (out1, err1) = outs
    assert out0.count("step 2: loss") == 1 and out1 == ""
    err0, err1 = _without_launcher_log(err0), _without_launcher_log(err1)
    assert "ambisketch:" not in err1 and "Traceback" not in err0 + err1
    assert (run / "checkpoints" / "step-0000002").is_dir()
    assert len((run / "metrics.csv").read_text().splitlines()) == 2  # header + step 2, once


def _without_launcher_log(err: str) -> str:
    """stderr less torchrun's own log records (glog style: ``E1204 04:49:02.315000 PID
    file.py:N] …``). Its agents meet once more after training to exit together; when node 0's
    agent, which hosts the rendezvous store, leaves first, node 1's agent may log a
    "connection reset" traceback there, though both exit 0. That is torchrun's, not ours."""
    return "\n".join(
        line for line in err.splitlines() if not re.match(r"[EWID]\d{4} \d\d:\d\d:\d\d", line)
    )


def test_cli_gpus_2_on_a_cpu(tmp_path: Path) -> None:
    """``--gpus 2`` on one machine: Fabric starts the second process itself (it runs the
    command again), which finds the run folder rank 0 is writing and must not refuse it."""
    run = tmp_path / "run"
    done = subprocess.Popen(
        [sys.executable, *_train_codec_cli(run), "--gpus", "2"],
        env=base_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Fabric's second process too is killed on a hang
    )
    ((out, err),) = communicate_all([done])
    assert done.returncode == 0, err[-3000:]
    assert out.count("step 2: loss") == 1 and "already holds" not in err
    assert (run / "checkpoints" / "step-0000002").is_dir()
