"""Download official releases into the user cache: streamed, retried, checksummed, never half-written.

Nothing here runs at import time. A fetched file gets two companions beside it: a manifest
(:func:`~evidence.sources.provenance.manifest_path`: url, sha256, size, fetched_at) and the provenance sidecar the loaders read
(``<file>.provenance.json``). Everything else in the toolkit works offline from a local path.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

from evidence.core.atomic import atomic_path, write_text
from evidence.core.config import cache_dir
from evidence.core.errors import DownloadError
from evidence.sources.catalogue import Release, get_release
from evidence.sources.provenance import manifest_path, matches_manifest
from evidence.sources.registry import sidecar_path

_CHUNK = 1 << 16
_RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


class _Retryable(Exception):
    """A failure worth another attempt (connection dropped, server error)."""


def release_dir(name: str) -> Path:
    """Where a release's files live in the user cache."""
    return cache_dir() / "releases" / name


def cached(name: str | Release) -> Path | None:
    """The cached file of a release if present and intact (it matches its manifest), else None."""
    release = name if isinstance(name, Release) else get_release(name)
    path = release_dir(release.name) / release.filename
    return path if matches_manifest(path) else None


def fetch(
    name: str | Release,
    *,
    url: str | None = None,
    dest_dir: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
) -> Path:
    """Download a release into the cache (or ``dest_dir``) and return the file's path.

    A file already there and intact is returned without touching the network, unless ``force``. ``url``
    replaces the catalogue's URL (a mirror, or the direct link behind a publisher's page). Connection errors
    and server errors (5xx) are retried ``retries`` times, waiting ``backoff`` seconds doubled each time. When
    the catalogue pins a sha256, a file that does not match is an error and is not kept.
    """
    release = name if isinstance(name, Release) else get_release(name)
    if url is None and not release.direct:
        raise DownloadError(
            f"{release.title} has no stable direct download link: the publisher serves it from "
            f"{release.url} . Download it there and run `evidence data load FILE`, or pass its direct link: "
            f"`evidence data fetch {release.name} --url URL`."
        )
    source_url = url or release.url
    target = (
        Path(dest_dir) / release.filename
        if dest_dir is not None
        else release_dir(release.name) / release.filename
    )
    if not force and matches_manifest(target):
        return target
    _remove_stale_parts(target)

    digest, size, content_type = _download_with_retries(
        source_url, target, release, progress, retries, backoff, timeout
    )
    manifest = {
        "name": release.name,
        "url": source_url,
        "sha256": digest,
        "size": size,
        "content_type": content_type,
        "fetched_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    labels = release.sidecar_labels(
        source_url,
        f"fetched from {source_url} on {manifest['fetched_at']}",
        accessed=str(manifest["fetched_at"]),
    )
    write_text(manifest_path(target), json.dumps(manifest, indent=2) + "\n")
    write_text(sidecar_path(target), json.dumps(labels, indent=2, ensure_ascii=False) + "\n")
    return target


def _download_with_retries(
    url: str, target: Path, release: Release, progress: bool, retries: int, backoff: float, timeout: float
) -> tuple[str, int, str]:
    attempt = 0
    while True:
        try:
            return _download_once(url, target, release, progress, timeout)
        except _Retryable as exc:
            if attempt >= retries:
                raise DownloadError(f"{url}: gave up after {attempt + 1} attempts: {exc}") from None
            time.sleep(backoff * 2**attempt)
            attempt += 1


def _download_once(
    url: str, target: Path, release: Release, progress: bool, timeout: float
) -> tuple[str, int, str]:
    """Stream ``url`` into a temporary file beside ``target``, renamed onto ``target`` only when complete."""
    from evidence import __version__ as version

    request = urllib.request.Request(url, headers={"User-Agent": f"evidence/{version} (+data fetch)"})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code in _RETRYABLE_STATUS:
            raise _Retryable(f"HTTP {exc.code} {exc.reason}") from None
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except ValueError as exc:  # not a URL urllib understands
        raise DownloadError(f"{url}: {exc}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise _Retryable(_reason(exc)) from None

    with response:
        content_type = response.headers.get("Content-Type", "") or ""
        if content_type.startswith("text/html") and not release.filename.endswith((".html", ".htm")):
            raise DownloadError(
                f"{url}: the server sent a web page, not the data file ({release.filename}); "
                "the link may have moved, or the publisher asks you to download it by hand"
            )
        length = response.headers.get("Content-Length")
        expected = int(length) if length and length.isdigit() else None
        digest = hashlib.sha256()
        received = 0
        with (
            atomic_path(target) as tmp,
            open(tmp, "wb") as out,
            _progress_bar(progress, release.name, expected) as advance,
        ):
            try:
                while chunk := response.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    advance(len(chunk))
            except (OSError, http.client.HTTPException) as exc:
                raise _Retryable(f"connection lost after {received} bytes: {_reason(exc)}") from None
            if expected is not None and received != expected:
                raise _Retryable(f"connection closed after {received} of {expected} bytes")
            out.flush()
            hexdigest = digest.hexdigest()
            if release.sha256 and hexdigest != release.sha256.lower():
                raise DownloadError(
                    f"{url}: checksum mismatch (expected sha256 {release.sha256}, got {hexdigest}); "
                    "the file was not kept"
                )
            _check_is_release(Path(tmp), url, release)
    return hexdigest, received, content_type


def _check_is_release(path: Path, url: str, release: Release) -> None:
    """Refuse a download that its release's loader does not recognise (a login page sent as plain text, a
    zip of the release, another source's file, a wrong ``--url``): a release whose URL serves the latest file
    has no checksum to catch it, and whatever is kept is loaded as that release from then on."""
    from evidence.core.errors import EvidenceError, InputError
    from evidence.sources.registry import detect

    try:
        loader, _layout = detect(path)
    except InputError as exc:
        raise DownloadError(
            f"{url}: the download is not {release.title} ({exc.message}); the file was not kept"
        ) from None
    except EvidenceError as exc:
        raise DownloadError(
            f"{url}: the download is not {release.title} ({exc}); the file was not kept"
        ) from None
    if loader.source != release.source:
        raise DownloadError(
            f"{url}: the download is a {loader.source} file, not {release.title} ({release.source}); "
            "the file was not kept"
        )


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if isinstance(reason, socket.timeout | TimeoutError):
        return "timed out"
    return str(reason or exc) or type(exc).__name__


@contextlib.contextmanager
def _progress_bar(enabled: bool, label: str, total: int | None) -> Iterator[Callable[[int], object]]:
    """A rich progress bar on stderr (or nothing); yields ``advance(n_bytes)``."""
    if not enabled:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"fetching {label}", total=total)
        yield lambda n: bar.advance(task, n)


def _remove_stale_parts(target: Path) -> None:
    """Delete temporary files of downloads killed outright (SIGKILL, power cut) more than an hour ago.

    A running download's temporary file is younger; normal failures remove their own.
    """
    cutoff = time.time() - 3600
    for part in target.parent.glob(f".{target.name}.*.part"):
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()
