"""A PNG decoder on the standard library and numpy, for tests that look at rendered charts and pages."""

from __future__ import annotations

import hashlib
import zlib

import numpy as np


def png_pixels(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Decode an 8-bit, non-interlaced PNG (what Chromium writes): width, height, rows, bytes per pixel.

    Rows filtered by nothing, "Sub" or "Up" (most rows vl-convert writes) are undone a row at a time with
    numpy (bytes wrap modulo 256 as the filters say); "Average" and "Paeth", whose every byte depends on the
    byte decoded just before it, byte by byte. The same bytes are decoded once (:data:`_DECODED`); each caller
    gets a list of rows of its own."""
    key = hashlib.sha256(data).digest()
    decoded = _DECODED.get(key)
    if decoded is None:
        width, height, rows, channels = _decode(data)
        decoded = (width, height, tuple(rows), channels)
        while len(_DECODED) >= _DECODED_MAX:
            del _DECODED[next(iter(_DECODED))]
        _DECODED[key] = decoded
    width, height, kept, channels = decoded
    return width, height, list(kept), channels


#: Decoded images (width, height, rows, channels) by the sha256 of their PNG, the latest :data:`_DECODED_MAX`: a
#: chart test comparing two drawings that came out byte for byte alike (a map with and without the countries
#: out of its view, a map turned) decoded the same PNG twice, ~70 ms of pure Python for its Paeth rows each time.
_DECODED: dict[bytes, tuple[int, int, tuple[bytes, ...], int]] = {}
_DECODED_MAX = 4


def _decode(data: bytes) -> tuple[int, int, list[bytes], int]:
    """:func:`png_pixels`, decoded."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, idat = 8, b""
    width = height = channels = 0
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, colour, interlace = body[8], body[9], body[12]
            assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs"
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        start = y * (stride + 1) + 1
        filtered = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=start)
        if kind == 1:  # Sub: each byte plus the decoded one a pixel to its left, a running sum per channel
            line = filtered.reshape(width, channels).cumsum(axis=0, dtype=np.uint8).reshape(stride)
        elif kind == 2:  # Up: plus the byte above
            line = filtered + previous
        elif kind in (3, 4):
            decoded = _average_or_paeth(kind, raw[start : start + stride], previous.tobytes(), channels)
            line = np.frombuffer(decoded, dtype=np.uint8)
        else:  # None (0)
            line = filtered.copy()
        rows.append(line.tobytes())
        previous = line
    return width, height, rows, channels


def _average_or_paeth(kind: int, filtered: bytes, above: bytes, channels: int) -> bytearray:
    """A row filtered by "Average" (3) or "Paeth" (4), decoded byte by byte (the first pixel has nothing to
    its left: 0, as the filters say)."""
    line = bytearray(filtered)
    for x in range(min(channels, len(line))):  # left and up-left 0: Average adds up // 2, Paeth adds up
        line[x] = (line[x] + (above[x] // 2 if kind == 3 else above[x])) & 0xFF
    if kind == 3:
        for x in range(channels, len(line)):
            line[x] = (line[x] + (line[x - channels] + above[x]) // 2) & 0xFF
        return line
    for x in range(channels, len(line)):
        left, up, up_left = line[x - channels], above[x], above[x - channels]
        pa, pb, pc = (
            abs(up - up_left),
            abs(left - up_left),
            abs(left + up - 2 * up_left),
        )  # |p - a|, |p - b|, |p - c|
        line[x] = (line[x] + (left if pa <= pb and pa <= pc else (up if pb <= pc else up_left))) & 0xFF
    return line
