#!/usr/bin/python3
"""Cross-check fotakit's CBOR codec against Debian's python3-cbor2.

Usage: cbor_crosscheck.py SMP_CBOR_TOOL

Generates items with cbor2 (and indefinite-length forms cbor2 decodes but
does not write), runs them through fotakit's decoder + encoder (the tool) and
checks that cbor2 decodes fotakit's output to the same value, byte-identical
when the input was already in cbor2's preferred form. Malformed inputs (each
confirmed malformed by cbor2) and every truncation of valid items must be
rejected by fotakit.
"""
import io
import random
import subprocess
import sys

import cbor2

MAX_DEPTH = 8  # FK_CBOR_MAX_DEPTH


def rand_obj(r, depth):
    k = r.randrange(10 if depth < 6 else 6)
    if k == 0:
        return r.choice([0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1,
                         r.randrange(2**64)])
    if k == 1:
        return -r.choice([1, 24, 25, 256, 257, 65537, 2**32 + 1, 2**64, r.randrange(1, 2**64)])
    if k == 2:
        return bytes(r.randrange(256) for _ in range(r.choice([0, 1, 23, 24, 300])))
    if k == 3:
        return "".join(r.choice("abcé€𝄞 xyz") for _ in range(r.choice([0, 1, 5, 30])))
    if k == 4:
        return r.choice([True, False, None])
    if k == 5:
        return r.randrange(-1000, 1000)
    # containers: 24/25 entries (two-byte heads) only near the top, so the
    # items stay small
    sizes = [0, 1, 3, 24] if depth < 2 else [0, 1, 2]
    if k in (6, 7):
        return [rand_obj(r, depth + 1) for _ in range(r.choice(sizes))]
    return {("k%d" % i if r.randrange(4) else i): rand_obj(r, depth + 1)
            for i in range(r.choice(sizes) + (depth < 2 and r.randrange(2)))}


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError(n)


def indef(obj, r):
    """Encode with indefinite lengths (randomly chosen per container/string)."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, int):
        return cbor2.dumps(obj)
    if isinstance(obj, (bytes, str)):
        raw = obj if isinstance(obj, bytes) else obj.encode()
        major = 2 if isinstance(obj, bytes) else 3
        if r.randrange(2) or not raw:
            return cbor2.dumps(obj)
        out = bytes([major << 5 | 31])
        # chunks split on character boundaries for text
        parts, i = [], 0
        text = obj
        while i < len(raw):
            if isinstance(obj, str):
                n = r.randrange(1, len(text) + 1)
                piece, text = text[:n].encode(), text[n:]
                if not piece:
                    break
                parts.append(piece)
                i += len(piece)
            else:
                n = r.randrange(1, len(raw) - i + 1)
                parts.append(raw[i:i + n])
                i += n
        for p in parts:
            out += head(major, len(p)) + p
        return out + b"\xff"
    if isinstance(obj, list):
        body = b"".join(indef(x, r) for x in obj)
        return (b"\x9f" + body + b"\xff") if r.randrange(2) else head(4, len(obj)) + body
    body = b"".join(indef(k, r) + indef(v, r) for k, v in obj.items())
    return (b"\xbf" + body + b"\xff") if r.randrange(2) else head(5, len(obj)) + body


MALFORMED = [
    "", "18", "1c", "1d", "1e", "3f", "5f41", "5f4100", "7f6161", "5f6161ff", "7f4161ff",
    "8201", "820102ff", "a1", "a16161", "bf6161ff", "ff", "9fff00ff00",
    "5b0000000100000000", "a2616101", "f8", "f818", "fc", "5f5f4100ffff",
    # text that is not UTF-8: stray continuation, overlong, surrogate, > U+10FFFF,
    # a code point split across the chunks of an indefinite string
    "6280ff", "62c0af", "63eda080", "64f4908080", "7f61c36189ff",
]


def strict_loads(b):
    """cbor2 decode of exactly one item (cbor2.loads ignores trailing bytes)."""
    fp = io.BytesIO(b)
    obj = cbor2.CBORDecoder(fp).decode()
    if fp.read():
        raise ValueError("trailing bytes")
    return obj


# Inputs cbor2 5.4 accepts although RFC 8949 says they are not well-formed:
# a lone break, a two-byte simple value below 32.
CBOR2_LENIENT = ("ff", "f818")


def nest(n):
    return "81" * n + "00"


def run_tool(tool, lines):
    p = subprocess.run([tool], input="\n".join(lines) + "\n", capture_output=True, text=True,
                       check=True)
    out = p.stdout.splitlines()
    assert len(out) == len(lines), (len(out), len(lines))
    return out


def main():
    tool = sys.argv[1]
    r = random.Random(20261125)
    objs = [rand_obj(r, 0) for _ in range(400)]
    canon = [cbor2.dumps(o) for o in objs]
    indefs = [indef(o, r) for o in objs]
    bad = 0

    # valid items, both forms
    lines = [c.hex() for c in canon] + [i.hex() for i in indefs]
    out = run_tool(tool, lines)
    for n, (line, res) in enumerate(zip(lines, out)):
        src = bytes.fromhex(line)
        if not res.startswith("ok "):
            print("REJECTED valid item", line[:80], res)
            bad += 1
            continue
        mine = bytes.fromhex(res[3:])
        if cbor2.loads(mine) != cbor2.loads(src):
            print("VALUE DIFFERS", line[:80])
            bad += 1
        if n < len(canon) and mine != src:
            print("NOT BYTE-IDENTICAL to cbor2's encoding", line[:80], res[:80])
            bad += 1

    # nesting bound: MAX_DEPTH containers accepted, one more rejected
    out = run_tool(tool, [nest(MAX_DEPTH), nest(MAX_DEPTH + 1)])
    if not out[0].startswith("ok") or out[1] != "err FK_ESMP_CBOR_DEPTH":
        print("NESTING BOUND wrong:", out)
        bad += 1

    # malformed: cbor2 must reject each (so the corpus is right), fotakit too
    for m in MALFORMED:
        try:
            strict_loads(bytes.fromhex(m))
            ok2 = True
        except Exception:
            ok2 = False
        if ok2 and m not in CBOR2_LENIENT:
            print("corpus error: cbor2 accepts", m)
            bad += 1
    out = run_tool(tool, MALFORMED)
    for m, res in zip(MALFORMED, out):
        if not res.startswith("err"):
            print("ACCEPTED malformed", m, res)
            bad += 1

    # every proper prefix of some valid items is rejected by both
    prefixes = []
    for c in (canon[:40] + indefs[:40]):
        for k in range(0, len(c), 1 + len(c) // 40):
            prefixes.append(c[:k].hex())
    out = run_tool(tool, prefixes)
    for p, res in zip(prefixes, out):
        if not res.startswith("err"):
            print("ACCEPTED truncated", p[:80], res)
            bad += 1
            break

    print("checked %d items, %d malformed, %d truncations: %d problems"
          % (len(lines), len(MALFORMED), len(prefixes), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
