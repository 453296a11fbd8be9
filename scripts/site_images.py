"""Draw the site's favicon and its social-card image with the standard library only.

Run once (``python scripts/site_images.py``); the files are committed under ``assets/``.
A teal island on a pale sea: the favicon at 32 px (PNG inside an ICO) and 180 px (Apple
touch icon), and a 1200×630 card for link previews (``og:image``).
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SEA, ISLAND, SAND = (224, 244, 241), (18, 165, 148), (250, 236, 200)


def _pixel(x: float, y: float, w: int, h: int) -> tuple[int, int, int]:
    cx, cy, r = w / 2, h / 2, min(w, h) * 0.36
    d = ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5
    return ISLAND if d < r * 0.78 else SAND if d < r else SEA


def png(w: int, h: int) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(_pixel(x + 0.5, y + 0.5, w, h)) for x in range(w))
        for y in range(h)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def ico(image: bytes, size: int) -> bytes:
    return (
        struct.pack("<HHH", 0, 1, 1)
        + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22)
        + image
    )


if __name__ == "__main__":
    (ASSETS / "favicon.ico").write_bytes(ico(png(32, 32), 32))
    (ASSETS / "apple-touch-icon.png").write_bytes(png(180, 180))
    (ASSETS / "og-image.png").write_bytes(png(1200, 630))
