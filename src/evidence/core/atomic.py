"""Atomic output: a killed run leaves either the old file or the new one, never half a file.

An output is written to a temporary file beside it, ``.<name>.<host>-<pid>.<random>.part``, renamed onto it
when complete. A process killed meanwhile (``kill -9``, out of memory) leaves that hidden file behind:
:func:`clean_stale_files` removes those of processes of this machine that are gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

#: A temporary file or folder of :func:`atomic_path` or :func:`atomic_directory`.
_STALE = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9_-]+?)-(?P<pid>\d+)\.[A-Za-z0-9_]{8}\.part$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: str | Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed onto ``target``.

    The temporary file lives in the same directory so that the final ``os.replace`` is atomic. The file gets
    ``mode`` (e.g. ``0o600`` for owner-only) before it is renamed, so it is never visible with wider
    permissions; by default, what an ordinary ``open()`` would give.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(target.name), suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        # mkstemp makes owner-only files; outputs get the permissions an ordinary open() would give
        if tmp_path.exists():
            tmp_path.chmod(0o666 & ~_umask() if mode is None else mode)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | Path, text: str, encoding: str = "utf-8", *, mode: int | None = None) -> Path:
    """Write text to ``target`` atomically (with ``mode``, see :func:`atomic_path`)."""
    with atomic_path(target, mode=mode) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write bytes to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@contextlib.contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``target``; on success it replaces ``target`` as a whole: the two are
    exchanged in one step where the system can (Linux ``renameat2``), so a process killed meanwhile leaves the
    old folder or the new one in place, never neither."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=_prefix(target.name), suffix=".part", dir=target.parent))
    try:
        yield tmp
        tmp.chmod(0o777 & ~_umask())
        if not target.exists():
            os.replace(tmp, target)
        elif not exchange(tmp, target):  # the old folder is now at tmp, removed below
            old = Path(tempfile.mkdtemp(prefix=_prefix(target.name), suffix=".part", dir=target.parent))
            os.replace(target, old / "old")
            os.replace(tmp, target)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def exchange(first: Path, second: Path) -> bool:
    """Exchange two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False when the system
    or file system cannot (or ``EVIDENCE_NO_RENAME_EXCHANGE`` is set, as tests of the fallback do)."""
    if not sys.platform.startswith("linux") or os.environ.get("EVIDENCE_NO_RENAME_EXCHANGE"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def host_tag() -> str:
    """This machine's name as it goes into the names of temporary files (letters, digits, ``-`` and ``_``)."""
    return re.sub(r"[^A-Za-z0-9-]", "_", socket.gethostname()) or "host"


def _prefix(name: str) -> str:
    return f".{name}.{host_tag()}-{os.getpid()}."


def process_alive(pid: int) -> bool:
    """Whether a process of this machine with this id is running (a zombie counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_files(folder: str | Path, named: re.Pattern[str] = _STALE, *, prefix: str = "") -> list[Path]:
    """Remove the temporary files and folders (:func:`atomic_path`, :func:`atomic_directory`) that processes
    of this machine killed while writing left in ``folder``: those whose process is gone. Returns them.

    ``named``: how such a name says its process (groups ``host`` and ``pid``; the temporaries of this module by
    default, a kernel's folder or a conversion's scratch folder too); ``prefix``: the names looked at."""
    removed: list[Path] = []
    try:
        entries = [entry for entry in Path(folder).iterdir() if entry.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        match = named.match(entry.name)
        if not match or match["host"] != host_tag() or process_alive(int(match["pid"])):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    return removed


@contextlib.contextmanager
def folder_lock(folder: str | Path) -> Iterator[None]:
    """An exclusive lock among processes on ``folder``: a ``flock`` on the folder itself (no lock file left
    behind), for a read-then-write of what the folder holds that another process may be doing at once.

    Not re-entrant (a second lock of the same folder in one process waits for ever); a no-op on systems without
    ``fcntl``."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
