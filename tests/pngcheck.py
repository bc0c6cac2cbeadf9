#!/usr/bin/env python3
"""pngcheck.py - is a screenshot blank?  A small PNG reader (the standard
library's zlib only) for the report test: it decodes 8-bit greyscale, RGB and
RGBA images (what Chromium's --screenshot writes) and prints what the image
holds, or checks thresholds.

    pngcheck.py SHOT.png                    print width, height, colours, ink
    pngcheck.py SHOT.png --min-colours N --min-ink F [--min-height H]
                                            exit 1 unless the image has at least
                                            N distinct colours and a fraction F
                                            of pixels that are not near-white
    pngcheck.py SHOT.png --crop Y H OUT.png write rows Y..Y+H-1 to OUT.png
"""
import struct
import sys
import zlib


class _Masks(dict):
    def __init__(self, byte):
        super().__init__()
        self.byte = byte

    def __missing__(self, n):
        v = int.from_bytes(bytes([self.byte]) * n, "little")
        self[n] = v
        return v


MASK7, MASK8 = _Masks(0x7F), _Masks(0x80)


def read_png(path):
    """(width, height, channels, rows): rows are bytes of width*channels."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG file" % path)
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if len(body) != n:
            raise ValueError("%s: truncated chunk %r" % (path, kind))
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    if not hdr:
        raise ValueError("%s: no IHDR" % path)
    width, height, depth, colour, _, _, interlace = hdr
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError("%s: unsupported PNG (depth %d, colour type %d, interlace %d)"
                         % (path, depth, colour, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        off = y * (stride + 1)
        ftype, line = raw[off], bytearray(raw[off + 1:off + 1 + stride])
        if len(line) != stride:
            raise ValueError("%s: truncated image data" % path)
        bpp = channels
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif ftype == 2:
            # bytewise addition mod 256 of whole rows at once (no carries
            # across bytes): the low 7 bits add, the top bits xor
            x = int.from_bytes(line, "little")
            z = int.from_bytes(prev, "little")
            low = (x & MASK7[stride]) + (z & MASK7[stride])
            line = bytearray((low ^ ((x ^ z) & MASK8[stride])).to_bytes(stride, "little"))
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif ftype == 4:
            for i in range(bpp):
                line[i] = (line[i] + prev[i]) & 255
            for i in range(bpp, stride):
                a = line[i - bpp]
                b = prev[i]
                c = prev[i - bpp]
                pa = b - c if b > c else c - b
                pb = a - c if a > c else c - a
                pc = a + b - c - c
                if pc < 0:
                    pc = -pc
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif ftype != 0:
            raise ValueError("%s: bad filter type %d in row %d" % (path, ftype, y))
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def measure(width, height, channels, rows, step=2):
    """(distinct colours, fraction of sampled pixels that are not near-white)."""
    colours, ink, seen = set(), 0, 0
    for y in range(0, height, step):
        row = rows[y]
        for x in range(0, width, step):
            px = row[x * channels:x * channels + min(channels, 3)]
            colours.add(px)
            seen += 1
            if min(px) < 235:
                ink += 1
    return len(colours), ink / max(seen, 1)


def write_png(path, width, channels, rows):
    colour = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + r for r in rows)

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, len(rows), 8, colour, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    width, height, channels, rows = read_png(argv[1])
    args = argv[2:]
    if args[:1] == ["--crop"]:
        y, h = int(args[1]), int(args[2])
        write_png(args[3], width, channels, rows[y:y + h])
        return 0
    colours, ink = measure(width, height, channels, rows)
    print("%dx%d, %d colours, %.1f%% ink" % (width, height, colours, 100 * ink))
    want = dict(zip(args[0::2], args[1::2]))
    ok = True
    if "--min-colours" in want and colours < int(want["--min-colours"]):
        print("too few colours: %d < %s" % (colours, want["--min-colours"]))
        ok = False
    if "--min-ink" in want and ink < float(want["--min-ink"]):
        print("too little ink: %.3f < %s" % (ink, want["--min-ink"]))
        ok = False
    if "--min-height" in want and height < int(want["--min-height"]):
        print("too short: %d < %s" % (height, want["--min-height"]))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
