"""Open a local HTML file in headless Chromium with the network blocked, through the DevTools protocol.

A minimal client over ``--remote-debugging-pipe`` (JSON messages separated by NUL bytes on file descriptors 3
and 4): it records every request the page makes and every request that fails, checks that images decoded, and
takes a screenshot. No browser-driver package is needed.

One browser serves the pages of a test process (:func:`_browser`): started at the first page, stopped when the
process ends, started again if it has died. Starting Chromium was most of a page check's cost (~0.6 CPU-seconds
of its ~0.7, eighteen starts in the kernel lane). Each page is as alone as in a browser of its own: it is opened in
a browser context of its own (Chromium's "incognito" profile: its own cookies, storage, cache and renderer
process, as a fresh profile's), in a tab of the size asked for, under the same command line (no name resolves,
a proxy that refuses: the network is unreachable), and what it requests, fails to load, runs and shows is read
from its own session only; its context is disposed of when it is read. Nothing a page does reaches the next.
"""

from __future__ import annotations

import atexit
import base64
import dataclasses
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from _png import png_pixels


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


@dataclasses.dataclass
class PageLoad:
    requests: list[str]
    failed: list[tuple[str, str]]
    images: list[dict[str, Any]]
    screenshot: bytes
    text: str
    probe: Any = None  # the value of the caller's expression, evaluated in the loaded page


class _Pipe:
    def __init__(self, process: subprocess.Popen, write_fd: int, read_fd: int) -> None:
        self.process, self.write_fd, self.read_fd = process, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 30,
    ) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read(timeout)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read(timeout)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise TimeoutError("Chromium closed its DevTools pipe")
                self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)


class _Browser:
    """A headless Chromium with the network blocked, driven over its DevTools pipe."""

    def __init__(self, path: str) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def child_fds() -> None:  # Chromium reads commands on fd 3 and writes replies on fd 4
            # move both ends out of the way first: either may itself be fd 3 or 4
            read_end = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            write_end = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.profile = tempfile.mkdtemp(prefix="brief-chromium-")
        command = [
            path,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            # the address bar's pop-up, browser UI that Chromium preloads as a page of its own for every window
            # (each page's context is a window), ~0.1 CPU-s each; the pages checked never see it
            "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: the network is unreachable
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={self.profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # subprocess closes inherited descriptors after preexec_fn runs, and fds 3 and 4 may not be
                # free in this process: keep them open and place the pipe ends in the child itself
                preexec_fn=child_fds,  # noqa: PLW1509  (the test process starts no threads here)
                close_fds=False,
            )
        except BaseException:
            for fd in (to_chrome_r, to_chrome_w, from_chrome_r, from_chrome_w):
                os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)
            raise
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.pipe = _Pipe(self.process, to_chrome_w, from_chrome_r)

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        """Close the browser (killed if it does not end), its pipe and its profile (idempotent)."""
        if self.pipe.write_fd < 0:
            return
        if self.alive():
            try:
                self.pipe.send("Browser.close", timeout=10)
            except (OSError, TimeoutError, RuntimeError):
                pass
        os.close(self.pipe.write_fd)
        os.close(self.pipe.read_fd)
        self.pipe.write_fd = self.pipe.read_fd = -1
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


_BROWSER: _Browser | None = None


def _browser() -> _Browser:
    """This process's browser: started now if there is none, or if the last one has died."""
    global _BROWSER
    path = chromium_path()
    if path is None:
        raise RuntimeError("chromium not found")
    if _BROWSER is not None and not _BROWSER.alive():
        _close_browser()
    if _BROWSER is None:
        _BROWSER = _Browser(path)
    return _BROWSER


def _close_browser() -> None:
    global _BROWSER
    browser, _BROWSER = _BROWSER, None
    if browser is not None:
        browser.close()


atexit.register(_close_browser)


def load_page(
    path: Path,
    *,
    width: int = 1000,
    height: int = 1600,
    timeout: float = 60,
    probe: str | None = None,
    settle: float = 0.0,
    media: str | None = None,
) -> PageLoad:
    """Load ``path`` with the network blocked; report requests, failures, images and a screenshot, and the
    value of the JavaScript expression ``probe`` (evaluated ``settle`` seconds after the load event), the page
    styled for ``media`` ("print": its print style sheet) when given."""
    browser = _browser()
    pipe = browser.pipe
    pipe.events = []  # what earlier pages' sessions sent is not this page's (each reads its own session only)
    context = pipe.send("Target.createBrowserContext", timeout=timeout)["browserContextId"]
    try:
        target = pipe.send(
            "Target.createTarget",
            {"url": "about:blank", "browserContextId": context, "width": width, "height": height},
            timeout=timeout,
        )["targetId"]
        session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        pipe.send("Network.enable", session=session)
        pipe.send("Page.enable", session=session)
        pipe.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        if media:
            pipe.send("Emulation.setEmulatedMedia", {"media": media}, session=session)
        pipe.send("Page.navigate", {"url": path.resolve().as_uri()}, session=session)
        pipe.wait_for("Page.loadEventFired", session, timeout=timeout)
        if settle:
            time.sleep(settle)  # let timers and late handlers (an iframe's, a failed image's) fire
        probed = (
            pipe.send(
                "Runtime.evaluate",
                {"expression": probe, "returnByValue": True},
                session=session,
            )["result"].get("value")
            if probe
            else None
        )
        images = pipe.send(
            "Runtime.evaluate",
            {
                "expression": "JSON.stringify([...document.images].map(i => ({src: i.src.slice(0, 40), "
                "complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})))",
                "returnByValue": True,
            },
            session=session,
        )["result"]["value"]
        text = pipe.send(
            "Runtime.evaluate",
            {"expression": "document.body.innerText", "returnByValue": True},
            session=session,
        )["result"]["value"]
        # a scaled-down capture of the first screen: shows whether anything is drawn, decodes fast
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 0.3}
        shot = pipe.send("Page.captureScreenshot", {"format": "png", "clip": clip}, session=session)["data"]
        # this page's events only: those of its session
        events = [e for e in pipe.events if e.get("sessionId") == session]
        requests = [
            e["params"]["request"]["url"][:100]
            for e in events
            if e.get("method") == "Network.requestWillBeSent"
        ]
        failed_ids = {
            e["params"]["requestId"]: e["params"].get("errorText", "")
            for e in events
            if e.get("method") == "Network.loadingFailed"
        }
        urls = {
            e["params"]["requestId"]: e["params"]["request"]["url"][:100]
            for e in events
            if e.get("method") == "Network.requestWillBeSent"
        }
        failed = [(urls.get(rid, rid), error) for rid, error in failed_ids.items()]
    except BaseException:
        _close_browser()  # a browser that failed a page is not trusted with the next: a fresh one is started
        raise
    try:
        pipe.send("Target.disposeBrowserContext", {"browserContextId": context}, timeout=10)
    except (TimeoutError, RuntimeError):
        _close_browser()
    pipe.events = []
    return PageLoad(requests, failed, json.loads(images), base64.b64decode(shot), text, probed)


def ink_share(png: bytes, step: int = 1) -> tuple[float, int]:
    """The share of (sampled) pixels that are not white, and the number of distinct colours sampled."""
    width, height, rows, channels = png_pixels(png)
    inked = total = 0
    colours = set()
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            pixel = row[x * channels : x * channels + min(channels, 3)]
            colours.add(pixel)
            total += 1
            if any(v < 235 for v in pixel):
                inked += 1
    return inked / max(total, 1), len(colours)
