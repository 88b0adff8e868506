#!/usr/bin/python3
"""fotakit image against imgtool-ext vectors and independent checkers.

usage: check_ext.py FOTAKIT VECTORS_DIR WORK_DIR   (VECTORS_DIR holds imgtool/ and imgtool-ext/)

- dumpinfo: byte-identical to imgtool dumpinfo for every vector with a
  .dumpinfo.txt; -f json parses and carries the same fields; -o writes a file;
- re-signing is byte-identical where imgtool is deterministic (Ed25519,
  hash-only SHA-384/512); P-384 images match imgtool's layout and their
  signature verifies with python3-cryptography;
- verify verdicts for the ext vectors (P-384, SHA-384/512, lzma2 compressed,
  dependencies, every encrypted vector with and without its key, --clear);
- --pure: SHA512 TLV, 64-byte SHA-512 KEYHASH, signature over the hash region;
- offline signing: --vector-to-sign payload|digest, an Ed25519 signature made
  here, --fix-sig + --fix-sig-pubkey gives the same image as -k; --sig-out;
- --boot-record (CBOR via python3-cbor2), --vid/--cid (python's uuid5),
  --custom-tlv-file, --non-bootable, -F; --sha refusals;
- getpriv equals imgtool's C arrays; keyinfo; keygen x25519 / ecdsa-p384;
- fotakit's encrypted images decrypted by an independent path: OpenSSL's
  command line (pkeyutl -derive / -decrypt, kdf HKDF, mac HMAC, enc
  -aes-*-ctr), as MCUboot documents the scheme; and by fotakit decrypt.
"""
import base64
import hashlib
import json
import os
import struct
import subprocess
import sys
import uuid

import cbor2
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

FK, VECS, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
V = os.path.join(VECS, "imgtool")
X = os.path.join(VECS, "imgtool-ext")
os.makedirs(WORK, exist_ok=True)
failures = []
SLOT = ["--header-size", "0x200", "--pad-header", "--align", "4", "--slot-size", "0xe8000", "--max-sectors", "232"]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, want=None, cmd="image"):
    p = subprocess.run([FK, cmd, *args], capture_output=True)
    if want is not None and p.returncode != want:
        check(False, f"fotakit {cmd} {' '.join(args)}: exit {p.returncode}, want {want}\n"
                     f"stdout: {p.stdout.decode(errors='replace')}\nstderr: {p.stderr.decode(errors='replace')}")
    return p


def w(n):
    return os.path.join(WORK, n)


def rd(p):
    with open(p, "rb") as f:
        return f.read()


def ossl(*args, inp=None):
    p = subprocess.run(["openssl", *args], input=inp, capture_output=True)
    if p.returncode != 0:
        check(False, f"openssl {' '.join(args)}: {p.stderr.decode(errors='replace')}")
    return p.stdout


def tlvs(img):
    """[(type, value, protected)] and the hash region end."""
    hs, ptlv, isz = struct.unpack_from("<HHI", img, 8)
    off = hs + isz
    out = []
    if ptlv:
        end = off + ptlv
        o = off + 4
        while o < end:
            t, l = struct.unpack_from("<HH", img, o)
            out.append((t, img[o + 4:o + 4 + l], True))
            o += 4 + l
        off = end
    region_end = off
    _, tot = struct.unpack_from("<HH", img, off)
    o, end = off + 4, off + tot
    while o < end:
        t, l = struct.unpack_from("<HH", img, o)
        out.append((t, img[o + 4:o + 4 + l], False))
        o += 4 + l
    return out, region_end


def tlv(img, t):
    return [v for (ty, v, _) in tlvs(img)[0] if ty == t][-1]


# ---- dumpinfo, byte for byte ------------------------------------------------
n = 0
for d in (V, X):
    for f in sorted(os.listdir(d)):
        if not f.endswith(".dumpinfo.txt"):
            continue
        img = f[:-len(".dumpinfo.txt")]
        want = rd(os.path.join(d, f))
        if want.startswith(b"$ imgtool"):
            want = want.split(b"\n", 2)[2]
        if want.startswith(b"Traceback"):
            run("dumpinfo", os.path.join(d, img), want=2)  # imgtool crashes: fotakit refuses
            continue
        p = run("dumpinfo", os.path.join(d, img))
        check(p.stdout == want, f"dumpinfo {img}: differs from imgtool's")
        n += 1
check(n >= 30, f"only {n} dumpinfo files compared")
p = run("dumpinfo", "-f", "json", os.path.join(X, "enc-ec256-aes128-ecdsa-p256-v2.0.0-pad-confirm.bin"), want=0)
j = json.loads(p.stdout)
check(j["header"]["flags"] == 4 and j["tlv_area"]["tlvs"][-1]["type_name"] == "ENCEC256"
      and j["trailer"]["image_ok"] == 1 and j["trailer"]["key_field_len"] == 32, f"dumpinfo json: {j}")
run("dumpinfo", "-o", w("dump.txt"), "-s", os.path.join(V, "img-ecdsa-p256-v1.2.3+4.bin"), want=0)
check(rd(w("dump.txt")) == rd(os.path.join(V, "img-ecdsa-p256-v1.2.3+4.bin.dumpinfo.txt")).split(b"\n", 2)[2],
      "dumpinfo -o")

# ---- re-signing is byte-identical where imgtool is deterministic --------------
pay = os.path.join(V, "payload-20000.bin")
for args, ref in ((["-k", os.path.join(V, "ed25519.pem"), "-v", "2.0.0"], "plain-ed25519-v2.0.0.bin"),
                  (["--sha", "384", "-v", "1.0.0"], "img-hashonly-sha384-v1.0.0.bin"),
                  (["--sha", "512", "-v", "1.0.0"], "img-hashonly-sha512-v1.0.0.bin")):
    run("sign", *SLOT, *args, pay, w(ref), want=0)
    check(rd(w(ref)) == rd(os.path.join(X, ref)), f"sign {ref}: not byte-identical to imgtool's")
# P-384: random ECDSA nonce, so the same layout and an independently valid signature
run("sign", *SLOT, "-k", os.path.join(X, "ecdsa-p384.pem"), "-v", "1.0.0", pay, w("p384.bin"), want=0)
a, b = rd(w("p384.bin")), rd(os.path.join(X, "img-ecdsa-p384-v1.0.0.bin"))
ta, ra = tlvs(a)
tb, rb = tlvs(b)
check(a[:ra] == b[:rb] and [t for t, _, _ in ta] == [t for t, _, _ in tb], "P-384 image layout differs from imgtool's")
check(tlv(a, 0x11) == hashlib.sha384(a[:ra]).digest(), "P-384: SHA384 TLV")
pub384 = serialization.load_pem_public_key(rd(os.path.join(X, "ecdsa-p384.pub.pem")))
check(tlv(a, 0x01) == hashlib.sha384(pub384.public_bytes(serialization.Encoding.DER,
      serialization.PublicFormat.SubjectPublicKeyInfo)).digest(), "P-384: KEYHASH is SHA-384 of the key")
try:
    pub384.verify(tlv(a, 0x22), a[:ra], ec.ECDSA(hashes.SHA384()))
except Exception as e:  # noqa: BLE001
    check(False, f"P-384 signature does not verify: {e}")

# ---- verify verdicts for the ext vectors -----------------------------------------
E = lambda n: os.path.join(X, n)  # noqa: E731
run("verify", "-k", E("ecdsa-p384.pub.pem"), E("img-ecdsa-p384-v1.0.0.bin"), want=0)
run("verify", "-k", os.path.join(V, "ecdsa-p256.pem"), E("img-ecdsa-p384-v1.0.0.bin"), want=1)
for f in ("img-hashonly-sha384-v1.0.0.bin", "img-hashonly-sha512-v1.0.0.bin"):
    p = run("verify", E(f), want=0)
    check(len(p.stdout.split(b"Image digest: ")[1].split()[0]) in (96, 128), f"{f}: full digest printed")
p = run("verify", "-k", os.path.join(V, "ecdsa-p256.pem"), E("img-ecdsa-p256-lzma2-v1.0.0.bin"), want=1)
check(b"FK_EIMG_COMPRESSED" in p.stdout, "lzma2 image: reported as compressed")
p = run("info", E("img-ecdsa-p256-lzma2-v1.0.0.bin"))
check(b"COMPRESSED_LZMA2" in p.stdout, "info: COMPRESSED_LZMA2 flag decoded")
lz = rd(E("img-ecdsa-p256-lzma2-v1.0.0.bin"))
dsize = struct.unpack("<I", tlv(lz, 0x70))[0]
check(f"(decompressed image: {dsize} bytes)".encode() in p.stdout and dsize == 20000, "info: DECOMP_SIZE decoded")
check(p.returncode == 0, "info: a compressed image's integrity is OK")
p = run("info", "--json", E("img-ecdsa-p256-lzma2-v1.0.0.bin"), want=0)
check(json.loads(p.stdout)["integrity"].get("compressed") is True, "info --json: compressed")
p = run("dumpinfo", E("img-ecdsa-p256-lzma2-v1.0.0.bin"), want=0)
check(b"DECOMP_SIZE (0x70)" in p.stdout and b"DECOMP_SIGNATURE (0x72)" in p.stdout, "dumpinfo: 0x70-0x72 named")
for f in ("img0-ecdsa-p256-v1.1.0-dep-img1-2.0.0.bin", "img1-ecdsa-p256-v2.0.0.bin", "img1-ecdsa-p256-v1.9.0.bin"):
    run("verify", "-k", os.path.join(V, "ecdsa-p256.pem"), E(f), want=0)
for f, k, s in (("enc-ec256-aes128-ed25519-v2.0.0.bin", "enc-ec256", "ed25519"),
                ("enc-ec256-aes256-ed25519-v2.0.0.bin", "enc-ec256", "ed25519"),
                ("enc-x25519-aes128-ed25519-v2.0.0.bin", "enc-x25519", "ed25519"),
                ("enc-rsa2048-aes128-ed25519-v2.0.0.bin", "enc-rsa2048", "ed25519"),
                ("enc-ec256-aes128-ecdsa-p256-v2.0.0-pad-confirm.bin", "enc-ec256", "ecdsa-p256")):
    sk = os.path.join(V, s + ".pem")
    run("verify", "-k", sk, "--enc-key", E(k + "-priv.pem"), E(f), want=0)
    run("verify", "-k", sk, E(f), want=1)
    other = "enc-x25519" if k != "enc-x25519" else "enc-ec256"
    run("verify", "-k", sk, "--enc-key", E(other + "-priv.pem"), E(f), want=1)
    run("decrypt", "--enc-key", E(k + "-priv.pem"), E(f), w("dec.bin"), want=0)
    dec = rd(w("dec.bin"))
    check(dec[0x200:0x200 + 20000] == rd(pay), f"decrypt {f}: payload differs from the plaintext")
    run("verify", "-k", sk, w("dec.bin"), want=0)  # decrypted file: valid as stored in clear
run("verify", "-k", os.path.join(V, "ecdsa-p256.pem"), E("enc-ec256-clear-ecdsa-p256-v2.0.0.bin"), want=0)

# ---- --pure as imgtool ---------------------------------------------------------
ed = serialization.load_pem_private_key(rd(os.path.join(V, "ed25519.pem")), None)
edpub = ed.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
run("sign", *SLOT, "-k", os.path.join(V, "ed25519.pem"), "-v", "2.0.0", "--pure", pay, w("pure.bin"), want=0)
img = rd(w("pure.bin"))
tl, re_ = tlvs(img)
check([t for t, _, _ in tl] == [0x12, 0x25, 0x01, 0x24], f"pure TLVs {[hex(t) for t, _, _ in tl]}")
check(tlv(img, 0x12) == hashlib.sha512(img[:re_]).digest(), "pure: SHA512 TLV")
check(tlv(img, 0x01) == hashlib.sha512(edpub).digest(), "pure: 64-byte SHA-512 KEYHASH")
try:
    ed.public_key().verify(tlv(img, 0x24), img[:re_])
except Exception as e:  # noqa: BLE001
    check(False, f"pure signature over the hash region: {e}")
run("verify", "-k", os.path.join(V, "ed25519.pem"), w("pure.bin"), want=0)
run("sign", *SLOT, "-k", os.path.join(V, "ed25519.pem"), "--pure", "--sha", "512", pay, w("x.bin"), want=2)
run("sign", *SLOT, "-k", os.path.join(V, "ecdsa-p256.pem"), "--sha", "512", pay, w("x.bin"), want=2)
run("sign", *SLOT, "-k", os.path.join(V, "ecdsa-p256.pem"), "--pure", pay, w("x.bin"), want=2)

# ---- offline / HSM flow --------------------------------------------------------
base = [*SLOT, "-v", "3.1.4", "-s", "7"]
run("sign", *base, "-k", os.path.join(V, "ed25519.pem"), "--sig-out", w("k.sig"), pay, w("k.bin"), want=0)
run("sign", *base, "--vector-to-sign", "payload", "-k", os.path.join(V, "ed25519.pem"), pay, w("vec.bin"), want=0)
run("sign", *base, "--vector-to-sign", "digest", "-k", os.path.join(V, "ed25519.pem"), pay, w("dig.bin"), want=0)
kimg = rd(w("k.bin"))
_, kre = tlvs(kimg)
check(rd(w("vec.bin")) == kimg[:kre], "--vector-to-sign payload is the hash region")
check(rd(w("dig.bin")) == hashlib.sha256(kimg[:kre]).digest(), "--vector-to-sign digest")
sig = ed.sign(rd(w("dig.bin")))  # the "HSM": Ed25519 over the digest, as imgtool signs
with open(w("hsm.sig"), "wb") as f:
    f.write(base64.b64encode(sig))
run("sign", *base, "--fix-sig", w("hsm.sig"), "--fix-sig-pubkey", os.path.join(V, "ed25519.pub.pem"), pay,
    w("fixed.bin"), want=0)
check(rd(w("fixed.bin")) == kimg, "--fix-sig image differs from the -k image")
check(base64.b64decode(rd(w("k.sig"))) == tlv(kimg, 0x24), "--sig-out is the signature, base64")
run("sign", *base, "--fix-sig", w("hsm.sig"), pay, w("x.bin"), want=2)

# ---- other imgtool flags ---------------------------------------------------------
open(w("ctlv.bin"), "wb").write(b"\x01\x02\x03vendor")
run("sign", *SLOT, "-k", os.path.join(V, "ecdsa-p256.pem"), "-v", "1.2.3", "--boot-record", "CoFM",
    "--vid", "example.com", "--cid", "sensor-fw", "--custom-tlv-file", "0xa5", w("ctlv.bin"),
    "--non-bootable", "-F", "0x10000", pay, w("misc.bin"), want=0)
img = rd(w("misc.bin"))
tl, _ = tlvs(img)
check([t for t, _, p in tl if p] == [0x60, 0x74, 0x75, 0xa5], f"protected TLV order {[hex(t) for t, _, _ in tl]}")
flags, = struct.unpack_from("<I", img, 16)
check(flags == 0x110 and struct.unpack_from("<I", img, 4)[0] == 0x10000, f"flags 0x{flags:x}")
rec = cbor2.loads(tlv(img, 0x60))
p256 = serialization.load_pem_private_key(rd(os.path.join(V, "ecdsa-p256.pem")), None).public_key()
kh = hashlib.sha256(p256.public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
check(rec == {1: "CoFM", 4: "1.2.3", 5: kh, 6: "SHA256", 2: bytes(32)} and list(rec) == [1, 4, 5, 6, 2],
      f"boot record {rec}")
vid = uuid.uuid5(uuid.NAMESPACE_DNS, "example.com")
check(tlv(img, 0x74) == vid.bytes and tlv(img, 0x75) == uuid.uuid5(vid, "sensor-fw").bytes, "UUID TLVs")
check(tlv(img, 0xa5) == rd(w("ctlv.bin")), "--custom-tlv-file")
run("verify", "-k", os.path.join(V, "ecdsa-p256.pem"), w("misc.bin"), want=0)
run("sign", *SLOT, "--cid", "sensor-fw", pay, w("x.bin"), want=2)  # a name needs --vid

# ---- keys ------------------------------------------------------------------------
for k in ("enc-ec256", "enc-x25519", "enc-rsa2048"):
    p = run("getpriv", "-k", E(k + "-priv.pem"), want=0)
    check(p.stdout == rd(E(k + "-priv.lang-c.txt")), f"getpriv {k}: differs from imgtool's")
run("getpriv", "-k", os.path.join(V, "ed25519.pem"), want=2)
p = run("keyinfo", "-k", E("enc-ec256-pub.pem"), want=0)
check(p.stdout == b"public\n", "keyinfo public")
run("keyinfo", "-k", E("enc-ec256-pub.pem"), "--require", "private", want=1)
run("keyinfo", "-k", E("enc-ec256-priv.pem"), "--require", "private", want=0)
for t in ("x25519", "ecdsa-p384"):
    run("keygen", "-k", w(t + ".pem"), "-t", t, want=0)
    check(serialization.load_pem_private_key(rd(w(t + ".pem")), None) is not None, f"keygen {t}")

# ---- fotakit's encrypted images, decrypted by OpenSSL's command line ---------------
SPKI_P256 = bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d030107034200")
SPKI_X25519 = bytes.fromhex("302a300506032b656e032100")


def pem_pub(der):
    return b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(der) + b"-----END PUBLIC KEY-----\n"


def aes_ctr(key, data):
    return ossl("enc", f"-aes-{len(key) * 8}-ctr", "-K", key.hex(), "-iv", "00" * 16, "-nopad", inp=data)


def openssl_image_key(img, kind):
    """The image key, recovered with the openssl command line only."""
    priv = E(f"enc-{kind}-priv.pem")
    keylen = 32 if struct.unpack_from("<I", img, 16)[0] & 8 else 16
    if kind == "rsa2048":
        open(w("ek.bin"), "wb").write(tlv(img, 0x30))
        return ossl("pkeyutl", "-decrypt", "-inkey", priv, "-in", w("ek.bin"), "-pkeyopt", "rsa_padding_mode:oaep",
                    "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256")
    t = tlv(img, 0x32 if kind == "ec256" else 0x33)
    publen = 65 if kind == "ec256" else 32
    eph, mac, ck = t[:publen], t[publen:publen + 32], t[publen + 32:]
    open(w("eph.pem"), "wb").write(pem_pub((SPKI_P256 if kind == "ec256" else SPKI_X25519) + eph))
    shared = ossl("pkeyutl", "-derive", "-inkey", priv, "-peerkey", w("eph.pem"))
    okm = bytes.fromhex(ossl("kdf", "-keylen", str(keylen + 32), "-kdfopt", "digest:SHA256", "-kdfopt",
                             "hexkey:" + shared.hex(), "-kdfopt", "info:MCUBoot_ECIES_v1", "HKDF")
                        .decode().strip().replace(":", ""))
    m = ossl("mac", "-digest", "SHA256", "-macopt", "hexkey:" + okm[keylen:].hex(), "-in", "/dev/stdin", "HMAC",
             inp=ck).decode().strip()
    check(bytes.fromhex(m) == mac, f"{kind}: HMAC over the wrapped key")
    return aes_ctr(okm[:keylen], ck)


for kind in ("ec256", "x25519", "rsa2048"):
    for kl in ("128", "256"):
        out = w(f"enc-{kind}-{kl}.bin")
        run("sign", *SLOT, "-k", os.path.join(V, "ed25519.pem"), "-v", "2.0.0", "-E", E(f"enc-{kind}-pub.pem"),
            "--encrypt-keylen", kl, pay, out, want=0)
        img = rd(out)
        hs, _, isz, flags = struct.unpack_from("<HHII", img, 8)
        key = openssl_image_key(img, kind)
        check(len(key) == int(kl) // 8, f"{kind}/{kl}: image key length {len(key)}")
        plain = aes_ctr(key, img[hs:hs + isz])
        want = rd(pay) + bytes(isz - 20000)
        check(plain == want, f"{kind}/{kl}: OpenSSL-decrypted payload differs from the input")
        # hash and signature cover the plaintext (with the clear header and TLVs)
        _, re_ = tlvs(img)
        region = img[:hs] + plain + img[hs + isz:re_]
        check(tlv(img, 0x10) == hashlib.sha256(region).digest(), f"{kind}/{kl}: hash over the plaintext")
        ed.public_key().verify(tlv(img, 0x24), hashlib.sha256(region).digest())
        run("decrypt", "--enc-key", E(f"enc-{kind}-priv.pem"), out, w("back.bin"), want=0)
        check(rd(w("back.bin"))[hs:hs + isz] == plain, f"{kind}/{kl}: fotakit decrypt")
        run("verify", "-k", os.path.join(V, "ed25519.pem"), "--enc-key", E(f"enc-{kind}-priv.pem"), out, want=0)
# AES key wrap: round trip and the wrong KEK
open(w("kek.bin"), "wb").write(os.urandom(16))
open(w("kek2.bin"), "wb").write(os.urandom(16))
run("sign", *SLOT, "-k", os.path.join(V, "ed25519.pem"), "-E", w("kek.bin"), pay, w("kw.bin"), want=0)
check(len(tlv(rd(w("kw.bin")), 0x31)) == 24, "ENC_KW TLV length")
run("verify", "-k", os.path.join(V, "ed25519.pem"), "--enc-key", w("kek.bin"), w("kw.bin"), want=0)
run("verify", "-k", os.path.join(V, "ed25519.pem"), "--enc-key", w("kek2.bin"), w("kw.bin"), want=1)
run("decrypt", "--enc-key", w("kek2.bin"), w("kw.bin"), w("x.bin"), want=1)
# --clear, --save-enctlv, and imgtool's key-type pairing rule
run("sign", *SLOT, "-k", os.path.join(V, "ecdsa-p256.pem"), "-E", E("enc-ec256-pub.pem"), "--clear", pay,
    w("clear.bin"), want=0)
c = rd(w("clear.bin"))
check(c[0x200:0x200 + 20000] == rd(pay) and struct.unpack_from("<I", c, 16)[0] == 4, "--clear")
run("sign", *SLOT, "-k", os.path.join(V, "ecdsa-p256.pem"), "-E", E("enc-x25519-pub.pem"), pay, w("x.bin"), want=2)
run("sign", *SLOT, "-k", os.path.join(V, "ed25519.pem"), "-E", E("enc-ec256-pub.pem"), "--save-enctlv", "--pad",
    pay, w("save.bin"), want=0)
check(len(rd(w("save.bin"))) == 0xe8000, "--save-enctlv --pad")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("image ext checks: all passed")
