"""Downloads from a real HTTP server on loopback: success, retries, checksums, 404, dropped connections."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evidence.core.errors import DownloadError, ParameterError
from evidence.sources.catalogue import Release
from evidence.sources.fetch import cached, fetch
from evidence.sources.provenance import manifest_path
from evidence.sources.registry import sidecar_path

BODY = b"countryname,iso,year,ccode,tier\n" + b"Thailand,THA,2014,800,Tier 3\n" * 2000


class Server:
    """A loopback HTTP server whose every GET is answered by ``respond(handler, request_number)``."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, int], None]) -> None:
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                respond(self, server.requests)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/tip_tiers.csv"


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []

    def start(respond: Callable[[BaseHTTPRequestHandler, int], None]) -> Server:
        server = Server(respond)
        server.thread.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.httpd.shutdown()
        server.httpd.server_close()


def send_file(handler: BaseHTTPRequestHandler, body: bytes = BODY, content_type: str = "text/csv") -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def release_for(url: str, sha256: str | None = None, direct: bool = True) -> Release:
    return Release(
        name="test-release",
        source="us_tip_tiers",
        title="a test release",
        url=url,
        filename="tip_tiers.csv",
        licence="MIT",
        citation="test citation",
        description="served from loopback",
        sha256=sha256,
        direct=direct,
        release="1999-2015",
    )


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("EVIDENCE_CACHE_DIR", str(cache))
    return cache


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob("*")) if directory.exists() else []


def test_download_into_the_cache_with_manifest_and_sidecar(serve, isolated_cache: Path) -> None:
    server = serve(lambda h, n: send_file(h))
    digest = hashlib.sha256(BODY).hexdigest()
    path = fetch(release_for(server.url, sha256=digest), progress=False)

    assert path == isolated_cache / "releases" / "test-release" / "tip_tiers.csv"
    assert path.read_bytes() == BODY
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["url"] == server.url
    assert manifest["sha256"] == digest
    assert manifest["size"] == len(BODY)
    assert manifest["fetched_at"].endswith("+00:00")
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar["url"] == server.url and sidecar["release"] == "1999-2015"
    assert cached(release_for(server.url)) == path


def test_a_cached_file_is_not_downloaded_again_unless_forced(serve) -> None:
    server = serve(lambda h, n: send_file(h))
    release = release_for(server.url)
    first = fetch(release, progress=False)
    assert fetch(release, progress=False) == first
    assert server.requests == 1
    fetch(release, progress=False, force=True)
    assert server.requests == 2


def test_a_damaged_cached_file_is_fetched_again(serve) -> None:
    server = serve(lambda h, n: send_file(h))
    release = release_for(server.url)
    path = fetch(release, progress=False)
    path.write_bytes(BODY[:100])
    assert cached(release) is None
    assert fetch(release, progress=False).read_bytes() == BODY
    assert server.requests == 2


def test_server_errors_are_retried(serve) -> None:
    def flaky(handler: BaseHTTPRequestHandler, n: int) -> None:
        if n <= 2:
            handler.send_error(503, "busy")
        else:
            send_file(handler)

    server = serve(flaky)
    path = fetch(release_for(server.url), progress=False, retries=3, backoff=0.01)
    assert path.read_bytes() == BODY
    assert server.requests == 3


def test_retries_run_out_with_a_clear_error(serve, isolated_cache: Path) -> None:
    server = serve(lambda h, n: h.send_error(500, "broken"))
    with pytest.raises(DownloadError, match="gave up after 3 attempts.*HTTP 500"):
        fetch(release_for(server.url), progress=False, retries=2, backoff=0.01)
    assert server.requests == 3
    assert not list((isolated_cache / "releases").rglob("*.csv*"))


def test_wrong_checksum_is_an_error_and_no_file_is_kept(serve, isolated_cache: Path) -> None:
    server = serve(lambda h, n: send_file(h))
    with pytest.raises(DownloadError, match="checksum mismatch"):
        fetch(release_for(server.url, sha256="0" * 64), progress=False)
    assert not [p for p in leftovers(isolated_cache) if p.startswith(("tip_tiers", ".tip_tiers"))]


def test_not_found_is_a_clear_error_without_retry(serve) -> None:
    server = serve(lambda h, n: h.send_error(404, "Not Found"))
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(release_for(server.url), progress=False, retries=3, backoff=0.01)
    assert server.requests == 1


def test_a_connection_dropped_mid_body_leaves_no_partial_file(serve, isolated_cache: Path) -> None:
    def truncated(handler: BaseHTTPRequestHandler, n: int) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/csv")
        handler.send_header("Content-Length", str(len(BODY)))
        handler.end_headers()
        handler.wfile.write(BODY[: len(BODY) // 3])
        handler.wfile.flush()
        handler.close_connection = True
        handler.connection.shutdown(2)  # the server dies mid-body

    server = serve(truncated)
    with pytest.raises(DownloadError, match="gave up"):
        fetch(release_for(server.url), progress=False, retries=1, backoff=0.01)
    assert server.requests == 2
    assert not [p for p in leftovers(isolated_cache) if p.startswith(("tip_tiers", ".tip_tiers"))]


def test_a_dropped_connection_then_success_recovers(serve) -> None:
    def once_truncated(handler: BaseHTTPRequestHandler, n: int) -> None:
        if n > 1:
            return send_file(handler)
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(BODY)))
        handler.end_headers()
        handler.wfile.write(BODY[:10])
        handler.connection.shutdown(2)

    server = serve(once_truncated)
    assert fetch(release_for(server.url), progress=False, backoff=0.01).read_bytes() == BODY


def test_a_web_page_instead_of_the_file_is_refused(serve) -> None:
    server = serve(lambda h, n: send_file(h, b"<html><body>Accept our terms</body></html>", "text/html"))
    with pytest.raises(DownloadError, match="web page"):
        fetch(release_for(server.url), progress=False)


def test_a_release_behind_a_page_needs_a_url(serve) -> None:
    with pytest.raises(DownloadError, match="--url"):
        fetch(release_for("https://example.org/page", direct=False), progress=False)
    server = serve(lambda h, n: send_file(h))
    path = fetch(release_for("https://example.org/page", direct=False), url=server.url, progress=False)
    assert path.read_bytes() == BODY
    assert json.loads(sidecar_path(path).read_text())["url"] == server.url


def test_dest_dir_and_progress_bar(serve, tmp_path: Path) -> None:
    server = serve(lambda h, n: send_file(h))
    path = fetch(release_for(server.url), dest_dir=tmp_path / "elsewhere", progress=True)
    assert path == tmp_path / "elsewhere" / "tip_tiers.csv"
    assert path.read_bytes() == BODY


def test_unreachable_host_is_retried_then_reported() -> None:
    # port 9 on loopback: nothing listens, the connection is refused at once
    with pytest.raises(DownloadError, match="gave up after 2 attempts"):
        fetch(release_for("http://127.0.0.1:9/x.csv"), progress=False, retries=1, backoff=0.01)


def test_unknown_release_name() -> None:
    with pytest.raises(ParameterError, match="known: .*unodc-glotip"):
        fetch("no-such-release", progress=False)


def test_fetched_file_loads_with_its_provenance(serve) -> None:
    """End to end: a fetched file goes through the registry with the sidecar's URL and release."""
    from evidence.sources.registry import load

    server = serve(lambda h, n: send_file(h))
    path = fetch(release_for(server.url), progress=False)
    loaded = load(path)
    assert loaded.provenance.url == server.url
    assert loaded.provenance.release == "1999-2015"


def test_leftovers_of_a_killed_download_are_cleaned_up(serve, isolated_cache: Path) -> None:
    import os
    import time

    server = serve(lambda h, n: send_file(h))
    directory = isolated_cache / "releases" / "test-release"
    directory.mkdir(parents=True)
    stale = directory / ".tip_tiers.csv.abc123.part"  # what atomic_path leaves when the process is killed
    stale.write_bytes(b"half a file")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = directory / ".tip_tiers.csv.def456.part"  # perhaps another process downloading right now
    fresh.write_bytes(b"in progress")
    fetch(release_for(server.url), progress=False)
    assert not stale.exists()
    assert fresh.exists()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"root:x:0:0:root:/root:/bin/bash\n" * 40, "not a layout any loader knows"),  # a wrong --url
        (b"PK\x03\x04" + b"\x00" * 200, "damaged"),  # a zip cut short, or not the workbook
        (b"Sorry, you must accept our terms of use first.\n", "not a layout any loader knows"),
    ],
)
def test_a_download_its_loader_does_not_recognise_is_not_kept(
    serve, isolated_cache: Path, body, says
) -> None:
    """A release served as its latest file has no checksum: what is kept is loaded as the release from then on."""
    server = serve(lambda h, n: send_file(h, body, "application/octet-stream"))
    with pytest.raises(DownloadError, match=f"not a test release .*{says}.*not kept"):
        fetch(release_for(server.url), progress=False)
    assert not [p for p in leftovers(isolated_cache) if p.startswith(("tip_tiers", ".tip_tiers"))]


def test_a_download_of_another_source_is_not_kept(serve, isolated_cache: Path) -> None:
    unodc = (
        b"Iso3_code,Country,Region,Subregion,Indicator,Dimension,Category,Sex,Age,Year,Unit of measurement,"
        b"txtVALUE,Source\n"
        b"THA,Thailand,Asia,South-eastern Asia,Detected trafficking victims,Total,Total,Total,Total,2020,Counts,"
        b"10,NA\n"
    )
    server = serve(lambda h, n: send_file(h, unodc))
    with pytest.raises(DownloadError, match=r"a unodc_glotip file, not a test release \(us_tip_tiers\)"):
        fetch(release_for(server.url), progress=False)
    assert not [p for p in leftovers(isolated_cache) if p.startswith(("tip_tiers", ".tip_tiers"))]
