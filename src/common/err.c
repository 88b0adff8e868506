#include "fotakit/err.h"

#include <stddef.h>

/* FK_TERSE (CMake FOTAKIT_TERSE, device builds): names only, no sentences
 * (about 3.5 KB of flash less); fk_err_str() then returns "". */
#ifdef FK_TERSE
#define FK_ERR_TEXT(s) ""
#else
#define FK_ERR_TEXT(s) s
#endif

struct fk_err_desc {
    int code;
    const char *name;
    const char *text;
};

/* One row per code. Components append their rows here (see err.h for ranges). */
static const struct fk_err_desc fk_errs[] = {
    {FK_OK, "FK_OK", FK_ERR_TEXT("success")},
    {FK_EINVAL, "FK_EINVAL", FK_ERR_TEXT("an argument is invalid")},
    {FK_ENOENT, "FK_ENOENT", FK_ERR_TEXT("no such flash area or item")},
    {FK_ENODEV, "FK_ENODEV",
     FK_ERR_TEXT("the flash device is not ready (absent, failed its probe, or never initialised)")},
    {FK_EIO, "FK_EIO", FK_ERR_TEXT("the device reported an I/O error")},
    {FK_ETIMEDOUT, "FK_ETIMEDOUT", FK_ERR_TEXT("the device stayed busy past its timeout")},
    {FK_ERANGE, "FK_ERANGE", FK_ERR_TEXT("the offset or length lies outside the area or device")},
    {FK_EALIGN, "FK_EALIGN",
     FK_ERR_TEXT("the offset or length is not a multiple of the device's write or erase size")},
    {FK_EPROTECT, "FK_EPROTECT", FK_ERR_TEXT("the device refused the write: block-protect bits are set")},
    {FK_ENOSPC, "FK_ENOSPC", FK_ERR_TEXT("the data does not fit")},
    {FK_EBUSY, "FK_EBUSY", FK_ERR_TEXT("the device is busy")},
    {FK_ENOTSUP, "FK_ENOTSUP", FK_ERR_TEXT("the operation is not supported by this device or build")},
    {FK_ENOTERASED, "FK_ENOTERASED",
     FK_ERR_TEXT("programming would need to set bits from 0 to 1; erase the sector first")},
    {FK_EWEAR, "FK_EWEAR", FK_ERR_TEXT("a word was written more times than the device allows between erases")},
    {FK_EOVERFLOW, "FK_EOVERFLOW", FK_ERR_TEXT("a size or offset overflows")},
    {FK_ECORRUPT, "FK_ECORRUPT", FK_ERR_TEXT("stored data fails its integrity check")},
    {FK_EID, "FK_EID", FK_ERR_TEXT("the device's identification does not match the expected one")},
    {FK_ENOMEM, "FK_ENOMEM", FK_ERR_TEXT("a buffer supplied by the caller is too small")},
    /* layout (-30 .. -59) */
    {FK_ELAYOUT_SYNTAX, "FK_ELAYOUT_SYNTAX",
     FK_ERR_TEXT("the layout or board file is not YAML or lacks/garbles a key it needs")},
    {FK_ELAYOUT_LIMIT, "FK_ELAYOUT_LIMIT",
     FK_ERR_TEXT("the layout or board file exceeds a fotakit bound (file size, entries, alias expansion)")},
    {FK_ELAYOUT_RULE, "FK_ELAYOUT_RULE",
     FK_ERR_TEXT("the layout breaks a rule; 'fotakit layout check' lists each problem and its fix")},
    /* image (-60 .. -99) */
    {-60, "FK_EIMG_MAGIC", FK_ERR_TEXT("the image header magic is not 0x96f3b83d: not an MCUboot image (or an old v1 image)")},
    {-61, "FK_EIMG_HDR_SIZE", FK_ERR_TEXT("the image header size field is smaller than the 32-byte header")},
    {-62, "FK_EIMG_OVERFLOW", FK_ERR_TEXT("the image's header, payload and TLV sizes overflow 32 bits")},
    {-63, "FK_EIMG_TOO_BIG", FK_ERR_TEXT("the image (header, payload, TLV areas) extends past the end of its flash area")},
    {-64, "FK_EIMG_TLV_INFO", FK_ERR_TEXT("a TLV area's info magic is wrong (expected 0x6908 protected, 0x6907 unprotected)")},
    {-65, "FK_EIMG_PROT_SIZE", FK_ERR_TEXT("the protected TLV area's size disagrees with the header's protected TLV size")},
    {-66, "FK_EIMG_TLV_BOUNDS", FK_ERR_TEXT("a TLV runs past the end of its TLV area or of the flash area")},
    {-67, "FK_EIMG_TLV_LEN", FK_ERR_TEXT("a TLV has a length (or value) that is invalid for its type")},
    {-68, "FK_EIMG_TLV_UNPROT", FK_ERR_TEXT("a TLV that must be covered by the hash (SEC_CNT, DEPENDENCY, vendor) is in the unprotected area")},
    {-69, "FK_EIMG_NO_HASH", FK_ERR_TEXT("the image has no hash TLV (SHA256, SHA384 or SHA512)")},
    {-70, "FK_EIMG_HASH_LEN", FK_ERR_TEXT("the hash TLV's length is not its algorithm's (SHA256 32, SHA384 48, SHA512 64 bytes)")},
    {-71, "FK_EIMG_HASH_DUP", FK_ERR_TEXT("the image has more than one hash TLV")},
    {-72, "FK_EIMG_HASH", FK_ERR_TEXT("hash mismatch: the digest of the image differs from its hash TLV")},
    {-73, "FK_EIMG_NO_SIG", FK_ERR_TEXT("the image carries no signature, and this verifier requires one")},
    {-74, "FK_EIMG_NO_KEY", FK_ERR_TEXT("no trusted key: the image's signatures are by keys not in the key ring")},
    {-75, "FK_EIMG_SIG", FK_ERR_TEXT("signature invalid: a signature by a trusted key does not verify")},
    {-76, "FK_EIMG_SIG_LEN", FK_ERR_TEXT("a signature TLV has a length that is invalid for its algorithm")},
    {-77, "FK_EIMG_SIG_TYPE", FK_ERR_TEXT("a signature's type does not match its key's type or the image's hash (P-256 and RSA: SHA-256, P-384: SHA-384, pure Ed25519: SHA-512)")},
    {-78, "FK_EIMG_SIG_UNSUP", FK_ERR_TEXT("this build cannot check this signature type (e.g. Ed25519 or RSA not built in)")},
    {-79, "FK_EIMG_KEY", FK_ERR_TEXT("a key in the trusted key ring is malformed")},
    {-80, "FK_EIMG_ENCRYPTED", FK_ERR_TEXT("the image is encrypted and no decryption key was given (fotakit image verify --enc-key; device: FOTAKIT_DEVICE_ENC)")},
    {-81, "FK_EIMG_SEC_CNT", FK_ERR_TEXT("the image has more than one SEC_CNT TLV")},
    {-82, "FK_EIMG_HASH_UNSUP", FK_ERR_TEXT("the image is hashed with SHA-384 or SHA-512, which this build cannot compute (device option FOTAKIT_DEVICE_SHA512)")},
    {-83, "FK_EIMG_COMPRESSED", FK_ERR_TEXT("the image is compressed (LZMA2); this bootloader does not decompress images")},
    {-84, "FK_EIMG_ENC_KEY", FK_ERR_TEXT("the image key cannot be recovered with this decryption key (wrong key: HMAC, OAEP or key-unwrap check failed)")},
    {-85, "FK_EIMG_ENC_UNSUP", FK_ERR_TEXT("this build cannot decrypt this image's encryption scheme")},
    /* boot (-100 .. -129) */
    {FK_EBOOT_TRAILER, "FK_EBOOT_TRAILER", FK_ERR_TEXT("a slot trailer's magic is corrupt")},
    {FK_EBOOT_NOIMAGE, "FK_EBOOT_NOIMAGE", FK_ERR_TEXT("there is no valid image to boot")},
    {FK_EBOOT_STUCK, "FK_EBOOT_STUCK",
     FK_ERR_TEXT("a swap is in progress but the secondary slot's device cannot be used to finish it")},
    {FK_EBOOT_TOOBIG, "FK_EBOOT_TOOBIG", FK_ERR_TEXT("the image is larger than the slots can swap")},
    {FK_EBOOT_DOWNGRADE, "FK_EBOOT_DOWNGRADE",
     FK_ERR_TEXT("the image has a lower version or security counter than allowed")},
    {FK_EBOOT_GEOMETRY, "FK_EBOOT_GEOMETRY",
     FK_ERR_TEXT("the slots' geometry (erase/write sizes, alignment, sizes) cannot be swapped")},
    {FK_EBOOT_VERIFY, "FK_EBOOT_VERIFY",
     FK_ERR_TEXT("a unit written during the swap does not read back as written, also after "
                 "erasing and writing it again: the flash there is failing")},
    {FK_EBOOT_COUNTER, "FK_EBOOT_COUNTER",
     FK_ERR_TEXT("the security counter store cannot be read, so no image's counter can be checked: "
                 "nothing is booted until it can")},
    {FK_EBOOT_DEPENDENCY, "FK_EBOOT_DEPENDENCY",
     FK_ERR_TEXT("an image's dependency on another image's version is not met")},
    /* smp (-130 .. -159) */
    {FK_ESMP_SHORT, "FK_ESMP_SHORT", FK_ERR_TEXT("the SMP packet is shorter than its 8-byte header")},
    {FK_ESMP_CRC, "FK_ESMP_CRC", FK_ERR_TEXT("the serial frame's CRC16 does not match its packet")},
    {FK_ESMP_BASE64, "FK_ESMP_BASE64",
     FK_ERR_TEXT("the serial frame holds a character that is not base64, or base64 that stops mid-group")},
    {FK_ESMP_FRAME_LEN, "FK_ESMP_FRAME_LEN",
     FK_ERR_TEXT("the serial frame's length field disagrees with the data that came with it")},
    {FK_ESMP_TOO_BIG, "FK_ESMP_TOO_BIG", FK_ERR_TEXT("the packet is larger than the receive buffer")},
    {FK_ESMP_FRAME, "FK_ESMP_FRAME", FK_ERR_TEXT("a serial continuation line arrived with no frame started")},
    {FK_ESMP_CBOR, "FK_ESMP_CBOR", FK_ERR_TEXT("the CBOR payload is malformed")},
    {FK_ESMP_CBOR_DEPTH, "FK_ESMP_CBOR_DEPTH", FK_ERR_TEXT("the CBOR payload nests deeper than fotakit allows")},
};

static const struct fk_err_desc *fk_err_find(int err)
{
    for (size_t i = 0; i < sizeof fk_errs / sizeof fk_errs[0]; i++) {
        if (fk_errs[i].code == err) {
            return &fk_errs[i];
        }
    }
    return NULL;
}

const char *fk_err_name(int err)
{
    const struct fk_err_desc *d = fk_err_find(err);
    return d ? d->name : "FK_E?";
}

const char *fk_err_str(int err)
{
    const struct fk_err_desc *d = fk_err_find(err);
    return d ? d->text : "unknown fotakit error code";
}
