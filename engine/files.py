"""Atomic file and folder writes: complete under a temporary name, then renamed into place.

A reader (or a crash) never sees a half-written file. The temporary files get the usual
permissions (``0666`` / ``0777`` less the umask), not ``tempfile``'s private ``0600``.

Temporary names are ``.STEM.PID-RANDOM.tmp`` (:func:`temporary_name`): the stem is cut and
hashed so the whole name stays within 255 bytes, and the writer's process id lets a later
write into the same folder sweep what a killed process left (:func:`sweep_stale`). SIGINT
and SIGTERM reach the writer as exceptions (the CLI turns SIGTERM into one), so the ``with``
blocks here remove their temporary files; only SIGKILL leaves one, for the next sweep.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


NAME_MAX = 255  # bytes in one file name (ext4, xfs, btrfs, tmpfs, APFS)
_STEM_MAX = 120  # bytes of the target's name kept in a temporary name
_TEMP_PATTERN = re.compile(r"^\..+\.(\d+)-[0-9a-f]{8}\.tmp$")


def temporary_name(name: str) -> str:
    """``.NAME.PID-RANDOM.tmp``, within :data:`NAME_MAX` bytes: a long NAME is cut to its
    first bytes plus a hash of the whole (still unique per target, still recognisable)."""
    raw = os.fsencode(name)
    if len(raw) > _STEM_MAX:
        digest = hashlib.sha1(raw).hexdigest()[:10].encode()
        raw = raw[: _STEM_MAX - 11] + b"~" + digest
    stem = os.fsdecode(raw)
    return f".{stem}.{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or unknowable: keep its file
    return True


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove temporary files and staging folders of this naming pattern whose writing
    process no longer exists (killed with SIGKILL, a power cut); returns what was removed.
    Files of live processes, and every other file, are left alone."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_PATTERN.match(entry.name)
        if m is None or _pid_alive(int(m.group(1))):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _parent(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _create_temporary(target: Path, folder: bool) -> Path:
    parent = _parent(target)
    sweep_stale(parent)
    for _ in range(100):
        tmp = parent / temporary_name(target.name)
        try:
            if folder:
                os.mkdir(tmp, 0o700)
            else:
                os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            return tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(parent))


REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOENT: "no such file or folder",
    errno.EISDIR: "is a folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EIO: "input/output error",
    errno.EFBIG: "file too large",
    errno.EMLINK: "too many links",
}


def os_reason(exc: BaseException) -> str:
    """What an OSError means to a user, from its errno (``disk full``, ``permission
    denied``…), without the file name it may carry (a temporary one, often)."""
    code = getattr(exc, "errno", None)
    if code in REASONS:
        return REASONS[code]
    if isinstance(code, int) and code > 0:
        return os.strerror(code).lower()
    return str(exc)


def write_failure_reason(exc: BaseException, folder: str | Path, needed: int = 0) -> str:
    """Why writing into ``folder`` failed. Libraries that hide the errno (libsndfile says
    "System error.") are diagnosed from the folder: no free space, no permission."""
    if isinstance(exc, OSError) and exc.errno:
        return os_reason(exc)
    try:
        st = os.statvfs(folder)
        if st.f_bavail * st.f_frsize <= max(needed, 64 * 1024):
            return "disk full"
    except OSError:
        pass
    if not os.access(folder, os.W_OK):
        return "permission denied"
    text = str(exc).rstrip(".")
    return text.rsplit(":", 1)[-1].strip() or "unknown error"


@contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it over ``path`` on success only."""
    target = Path(path)
    tmp_path = _create_temporary(target, folder=False)
    try:
        os.chmod(tmp_path, 0o666 & ~_umask())
        yield tmp_path
        # Writers that recreate the file (safetensors does) would leave mkstemp's 0600.
        os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Yield a staging folder next to ``path``; it replaces ``path`` on success only.

    With ``overwrite`` an existing ``path`` is removed just before the rename.
    """
    target = Path(path)
    staging = _create_temporary(target, folder=True)
    try:
        os.chmod(staging, 0o777 & ~_umask())
        yield staging
        if target.exists() and overwrite:
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
