#!/usr/bin/python3
"""fotakit image CLI checked from outside, with Debian's python3-cryptography.

usage: check_cli.py FOTAKIT VECTOR_DIR WORK_DIR

- `info --json` decodes every vector exactly as manifest.json lists it;
- `verify` exit codes and reasons for every vector, with and without -k;
- images signed by `fotakit image sign` (ECDSA, RSA, Ed25519) are checked
  independently here: hash region, SHA256 TLV, KEYHASH, signature; and their
  header / TLV layout / hash region equal imgtool's for the same inputs;
- keygen keys load in sign; getpub/getpubhash outputs match imgtool's files;
- Intel HEX in and out; the "does not fit the slot by N bytes" refusal.
"""
import hashlib
import json
import os
import struct
import subprocess
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

FK, VEC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, want=None):
    p = subprocess.run([FK, "image", *args], capture_output=True, timeout=60)
    if want is not None and p.returncode != want:
        check(False, f"fotakit image {' '.join(args)}: exit {p.returncode}, want {want}\n"
                     f"stdout: {p.stdout.decode(errors='replace')}\nstderr: {p.stderr.decode(errors='replace')}")
    return p


def v(name):
    return os.path.join(VEC, name)


def w(name):
    return os.path.join(WORK, name)


manifest = json.load(open(v("manifest.json")))

# ---- info --json against the manifest ------------------------------------
for im in manifest["images"]:
    p = run("info", "--json", v(im["file"]))
    try:
        got = json.loads(p.stdout)
    except ValueError as e:
        check(False, f"info --json {im['file']}: not JSON ({e})")
        continue
    hdr = {k: got["header"][k] for k in im["header"]}
    check(hdr == im["header"], f"{im['file']}: header {hdr} != manifest {im['header']}")
    check(got["tlv_areas"] == im["tlv_areas"], f"{im['file']}: tlv_areas {got['tlv_areas']}")
    check(got["tlvs"] == im["tlvs"], f"{im['file']}: tlvs differ:\n{got['tlvs']}\n{im['tlvs']}")
    check(got["image_end_offset"] == im["image_end_offset"], f"{im['file']}: image_end_offset")
    hr = {k: im["hash_region"][k] for k in ("start", "end_exclusive", "sha256")}
    check(got["hash_region"] == hr, f"{im['file']}: hash_region {got['hash_region']}")
    if "trailer" in im:
        t = {k: got["trailer"].get(k) for k in im["trailer"] if k in got["trailer"]}
        want = {k: im["trailer"][k] for k in t}
        check(len(t) >= 12 and t == want, f"{im['file']}: trailer {got.get('trailer')}")
    else:
        check("trailer" not in got, f"{im['file']}: trailer reported for an unpadded image")
    # info's exit status: 0 only when well-formed with a matching hash
    ok_integrity = im["independent_check"]["sha256_tlv_equals_sha256(hash_region)"]
    check((p.returncode == 0) == ok_integrity, f"info {im['file']}: exit {p.returncode}")

# ---- verify, with and without keys ----------------------------------------
reasons = {
    "img-ecdsa-p256-v1.2.3+4-BAD-payload-flip.bin": "FK_EIMG_HASH)",
    "img-ecdsa-p256-v1.2.3+4-BAD-sig-corrupt.bin": "FK_EIMG_SIG)",
    "img-ed25519-v2.0.0-BAD-sig-corrupt.bin": "FK_EIMG_SIG)",
    "img-ecdsa-p256-v1.2.3+4-BAD-hash-tlv.bin": "FK_EIMG_HASH)",
    "img-ecdsa-p256-v1.2.3+4-BAD-hdr-magic.bin": "FK_EIMG_MAGIC)",
}
for im in manifest["images"]:
    f = v(im["file"])
    key = im["signing_key"]
    want = 0 if im["expected_verify"] == "OK" else 1
    if key:
        p = run("verify", "-k", v(key), f, want=want)
        # the public PEM works the same
        run("verify", "-k", v(key.replace(".pem", ".pub.pem")), f, want=want)
        if want == 1:
            check(reasons[im["file"]] in p.stdout.decode(), f"verify {im['file']}: reason: {p.stdout}")
        else:
            check(b"Signature: " in p.stdout, f"verify {im['file']}: no signature line")
            # a wrong key is refused
            run("verify", "-k", v("ecdsa-p256-other.pem"), f, want=1)
    else:
        p = run("verify", f, want=want)
        check(b"no signature was checked" in p.stdout, f"verify {im['file']}: policy line missing")
        p = run("verify", "-k", v("ecdsa-p256.pem"), f, want=1)
        check(b"FK_EIMG_NO_SIG" in p.stdout, f"verify -k on hash-only: {p.stdout}")
p = run("verify", v("img-ecdsa-p256-v1.2.3+4.bin"), want=0)
check(b"no signature was checked" in p.stdout, "verify without -k must say no signature was checked")
run("verify", "-k", v("ecdsa-p256-other.pem"), "-k", v("ecdsa-p256.pub.pem"),
    v("img-ecdsa-p256-v1.2.3+4.bin"), want=0)
run("verify", w("does-not-exist.bin"), want=2)
run("verify", want=2)
run("verify", "--bogus", v("img-ecdsa-p256-v1.2.3+4.bin"), want=2)
# inputs a new user trips on: endless devices, an empty file, a directory
open(w("empty.bin"), "wb").close()
for cmd, dev in (("verify", "/dev/zero"), ("info", "/dev/urandom")):
    for dev in (dev,):
        p = run(cmd, dev, want=2)
        check(p.stderr.decode() == f"fotakit image: {dev}: longer than 256 MiB, the largest slot a board "
              "can have (a whole 2 Gbit NOR); stopped reading: is this the right file?\n",
              f"{cmd} {dev}: {p.stderr}")
    p = run(cmd, w("empty.bin"), want=2)
    check(p.stderr.decode() == f"fotakit image: {w('empty.bin')}: the file is empty; an MCUboot image "
          "starts with a 32-byte header (was the build or the copy cut short?)\n", f"{cmd} empty: {p.stderr}")
    p = run(cmd, WORK, want=2)
    check(p.stderr.decode() == f"fotakit image: {WORK}: is a directory; give the image file\n",
          f"{cmd} directory: {p.stderr}")

# ---- sign: independent checks and imgtool's layout -------------------------
payload = open(v("payload-20000.bin"), "rb").read()


def parse(img):
    magic, load, hsz, ptlv, isz, flags = struct.unpack_from("<IIHHII", img, 0)
    assert magic == 0x96f3b83d
    off = hsz + isz
    areas, tlvs = [], []
    if ptlv:
        m, tot = struct.unpack_from("<HH", img, off)
        assert m == 0x6908 and tot == ptlv
        areas.append((off, tot))
        off += tot
    m, tot = struct.unpack_from("<HH", img, off)
    assert m == 0x6907
    hash_end = off
    areas.append((off, tot))
    for a_off, a_tot in areas:
        o = a_off + 4
        while o < a_off + a_tot:
            t, l = struct.unpack_from("<HH", img, o)
            tlvs.append((t, img[o + 4:o + 4 + l]))
            o += 4 + l
    return hash_end, off + tot, tlvs


def pub_der(key):
    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def independent(img, keyfile, label):
    key = serialization.load_pem_private_key(open(keyfile, "rb").read(), None)
    hash_end, end, tlvs = parse(img)
    digest = hashlib.sha256(img[:hash_end]).digest()
    d = dict(tlvs)
    check(d.get(0x10) == digest, f"{label}: SHA256 TLV != sha256(hash region)")
    check(d.get(0x01) == hashlib.sha256(pub_der(key)).digest(), f"{label}: KEYHASH")
    pub = key.public_key()
    try:
        if 0x22 in d:
            pub.verify(d[0x22], digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        elif 0x20 in d:
            pub.verify(d[0x20], digest, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                       utils.Prehashed(hashes.SHA256()))
        elif 0x24 in d:
            pub.verify(d[0x24], digest)
        else:
            check(False, f"{label}: no signature TLV")
    except InvalidSignature:
        check(False, f"{label}: signature does not verify with python-cryptography")
    return hash_end, tlvs


base = ["--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", "0x74000"]
for keyname, ver, vec in [("ecdsa-p256.pem", "1.2.3+4", "img-ecdsa-p256-v1.2.3+4.bin"),
                          ("rsa-2048.pem", "1.0.1", "img-rsa2048-v1.0.1.bin"),
                          ("ed25519.pem", "2.0.0", "img-ed25519-v2.0.0.bin")]:
    out = w("signed-" + keyname.replace(".pem", ".bin"))
    run("sign", *base, "--version", ver, "--key", v(keyname), v("payload-20000.bin"), out, want=0)
    img = open(out, "rb").read()
    ref = open(v(vec), "rb").read()
    hash_end, tlvs = independent(img, v(keyname), out)
    r_hash_end, _, r_tlvs = parse(ref)
    check(img[:32] == ref[:32], f"{keyname}: header differs from imgtool's")
    check(hash_end == r_hash_end and img[:hash_end] == ref[:hash_end], f"{keyname}: hash region differs")
    check([t for t, _ in tlvs] == [t for t, _ in r_tlvs], f"{keyname}: TLV order differs")
    check([len(x) for t, x in tlvs if t not in (0x22,)] == [len(x) for t, x in r_tlvs if t not in (0x22,)],
          f"{keyname}: TLV lengths differ")
    if keyname == "ed25519.pem":
        check(img == ref, "Ed25519: not byte-identical to imgtool's vector")
    run("verify", "-k", v(keyname), out, want=0)

# the protected-TLV vector's options through the CLI
out = w("signed-prot.bin")
run("sign", *base, "--version", "1.2.3+4", "--key", v("ecdsa-p256.pem"), "--security-counter", "auto",
    "--dependencies", "(1,1.2.0+0)", "--custom-tlv", "0xa0", "0x0102030405060708",
    v("payload-20000.bin"), out, want=0)
img = open(out, "rb").read()
ref = open(v("img-ecdsa-p256-prot-tlvs.bin"), "rb").read()
hash_end, _ = independent(img, v("ecdsa-p256.pem"), out)
check(img[:hash_end] == ref[:hash_end], "prot-tlvs: hash region differs from imgtool's")

# padded: everything but the signature equals imgtool's
for opt, vec in [("--confirm", "img-ecdsa-p256-pad-confirm.bin"), ("--test", "img-ecdsa-p256-pad-test.bin"),
                 ("--overwrite-only", "img-ecdsa-p256-overwrite-only-pad.bin")]:
    out = w("signed" + opt + ".bin")
    run("sign", *base, "--version", "1.2.3+4", "--key", v("ecdsa-p256.pem"), "--pad", opt,
        v("payload-20000.bin"), out, want=0)
    img = open(out, "rb").read()
    ref = open(v(vec), "rb").read()
    _, end, _ = parse(img)
    _, rend, _ = parse(ref)
    hi = max(end, rend)
    check(len(img) == len(ref) == 0x74000, f"{opt}: size")
    check(img[hi:] == ref[hi:], f"{opt}: trailer differs from imgtool's")
    check(set(img[end:hi]) <= {0xff} and set(ref[rend:hi]) <= {0xff}, f"{opt}: padding not erased")

# does not fit: 0xe8000 slot, -M 232
big = w("big-payload.bin")
open(big, "wb").write(bytes([0x5a]) * (0xe8000 - 2832 - 0x200 - 40 + 5))
p = run("sign", "--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", "0xe8000",
        "-M", "232", "--pad", big, w("big.bin"), want=1)
check(b"does not fit the slot" in p.stderr and b"by 5 bytes" in p.stderr, f"fit refusal message: {p.stderr}")
run("sign", "--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", "0xe8000",
    "--pad", big, w("big.bin"), want=0)  # fits with the (wrong) default of 128 sectors

# usage errors
run("sign", "--align", "3", v("payload-20000.bin"), w("x.bin"), want=2)
run("sign", "--pad", v("payload-20000.bin"), w("x.bin"), want=2)
run("sign", "--version", "1.x", v("payload-20000.bin"), w("x.bin"), want=2)
run("sign", "--pad-header", "--header-size", "0x200", v("payload-20000.bin"), want=2)
run("sign", "--pad-header", "--header-size", "0x200", w("nope.bin"), w("x.bin"), want=2)

# ---- Intel HEX in and out --------------------------------------------------
hexin = w("payload.hex")
with open(hexin, "w") as f:
    addr = 0x08000200
    for i in range(0, len(payload), 16):
        a = addr + i
        if i == 0 or (a & 0xffff) < 16:
            rec = bytes([2, 0, 0, 4, a >> 24, (a >> 16) & 0xff])
            f.write(":" + rec.hex().upper() + "%02X\n" % ((-sum(rec)) & 0xff))
        chunk = payload[i:i + 16]
        rec = bytes([len(chunk), (a >> 8) & 0xff, a & 0xff, 0]) + chunk
        f.write(":" + rec.hex().upper() + "%02X\n" % ((-sum(rec)) & 0xff))
    f.write(":00000001FF\n")
hexout = w("signed.hex")
run("sign", *base, "--version", "1.2.3+4", "--key", v("ecdsa-p256.pem"), "--pad", "--confirm", hexin, hexout,
    want=0)
run("verify", "-k", v("ecdsa-p256.pem"), hexout, want=0)
# the .hex holds the image at 0x08000000 and the trailer at the slot's end
mem = {}
upper = 0
for line in open(hexout):
    rec = bytes.fromhex(line.strip()[1:])
    n, a, t = rec[0], (rec[1] << 8) | rec[2], rec[3]
    check((sum(rec) & 0xff) == 0, "hex output checksum")
    if t == 4:
        upper = ((rec[4] << 8) | rec[5]) << 16
    elif t == 0:
        for k in range(n):
            mem[upper + a + k] = rec[4 + k]
check(min(mem) == 0x08000000, f"hex output base 0x{min(mem):x}")
check(bytes(mem[0x08000000 + 0x200 + i] for i in range(64)) == payload[:64], "hex output payload")
slot_end = 0x08000000 + 0x74000
check(bytes(mem.get(slot_end - 16 + i, 0) for i in range(16)) == bytes.fromhex("77c295f360d2ef7f3552500f2cb67980"),
      "hex output trailer magic")
check(mem.get(slot_end - 24) == 0x01, "hex output image_ok")
run("sign", *base, v("payload-20000.bin"), w("nobase.hex"), want=2)  # .hex out needs an address
run("sign", *base, "-x", "0x10000", v("payload-20000.bin"), w("base.hex"), want=0)

# ---- keys -----------------------------------------------------------------
for stem in ["ecdsa-p256", "ecdsa-p256-other", "ed25519", "rsa-2048"]:
    p = run("getpub", "-k", v(stem + ".pem"), want=0)
    check(p.stdout == open(v(stem + ".pub.lang-c.txt"), "rb").read(), f"getpub lang-c {stem}")
    p = run("getpub", "-k", v(stem + ".pem"), "-e", "raw", want=0)
    check(p.stdout == open(v(stem + ".pub.der"), "rb").read(), f"getpub raw {stem}")
    p = run("getpub", "-k", v(stem + ".pub.pem"), "-e", "pem", want=0)
    check(p.stdout == open(v(stem + ".pub.pem"), "rb").read(), f"getpub pem {stem}")
    p = run("getpubhash", "-k", v(stem + ".pem"), "-e", "raw", want=0)
    check(p.stdout == open(v(stem + ".pubhash.sha256.bin"), "rb").read(), f"getpubhash raw {stem}")

import re
for t in ["ecdsa-p256", "ed25519", "rsa-2048"]:
    kf = w(f"gen-{t}.pem")
    run("keygen", "-k", kf, "-t", t, want=0)
    key = serialization.load_pem_private_key(open(kf, "rb").read(), None)
    check(open(kf).read().startswith("-----BEGIN PRIVATE KEY-----"), f"keygen {t}: not PKCS#8")
    p = run("getpub", "-k", kf, want=0)
    txt = p.stdout.decode()
    name = {"ecdsa-p256": "ecdsa", "ed25519": "ed25519", "rsa-2048": "rsa"}[t]
    der = pub_der(key)
    lines = ["/* Autogenerated by imgtool.py, do not edit. */", f"const unsigned char {name}_pub_key[] = {{"]
    for i in range(0, len(der), 8):
        lines.append("    " + " ".join("0x%02x," % b for b in der[i:i + 8]))
    lines += ["};", f"const unsigned int {name}_pub_key_len = {len(der)};", ""]
    check(txt == "\n".join(lines), f"keygen {t}: getpub lang-c format differs from imgtool's")
    out = w(f"gen-{t}.bin")
    run("sign", *base, "--version", "9.8.7+6", "-k", kf, v("payload-20000.bin"), out, want=0)
    independent(open(out, "rb").read(), kf, f"keygen {t} image")
    run("verify", "-k", kf, out, want=0)
run("keygen", "-k", w("x.pem"), "-t", "dsa-1024", want=2)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all CLI checks passed")
