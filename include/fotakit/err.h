/*
 * fotakit error codes.
 *
 * fotakit uses its own negative numbers rather than errno: newlib's and
 * glibc's errno values differ (ETIMEDOUT is 116 on one, 110 on the other), and
 * an error code that means different things on the host and the device would
 * make logs lie. Every code has a short name and a one-sentence meaning.
 *
 * Components own disjoint ranges so that a code alone says where it came from:
 *   -1 .. -29     generic (flash, arguments, I/O)
 *   -30 .. -59    layout
 *   -60 .. -99    image format / verification
 *   -100 .. -129  bootloader
 *   -130 .. -159  SMP
 * Components add their codes to the table in src/common/err.c.
 */
#ifndef FOTAKIT_ERR_H
#define FOTAKIT_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

enum fk_err {
    FK_OK = 0,
    FK_EINVAL = -1,      /* invalid argument */
    FK_ENOENT = -2,      /* no such flash area / item */
    FK_ENODEV = -3,      /* device not ready (absent, failed probe, not initialised) */
    FK_EIO = -4,         /* I/O error reported by the device */
    FK_ETIMEDOUT = -5,   /* device stayed busy past its timeout */
    FK_ERANGE = -6,      /* offset/length outside the area or device */
    FK_EALIGN = -7,      /* offset/length not aligned to the write or erase size */
    FK_EPROTECT = -8,    /* write/erase refused: block-protect bits set */
    FK_ENOSPC = -9,      /* does not fit */
    FK_EBUSY = -10,      /* device busy */
    FK_ENOTSUP = -11,    /* operation not supported by this device/build */
    /* -12: unused (a power cut is a reset, not an error code: the simulator
     * unwinds to its harness, include/fotakit/host/sim.h) */
    FK_ENOTERASED = -13, /* programming a location that is not erased (bits 0->1) */
    FK_EWEAR = -14,      /* write limit per word exceeded before erase (nWRITE) */
    FK_EOVERFLOW = -15,  /* arithmetic overflow in a size or offset */
    FK_ECORRUPT = -16,   /* stored data fails its integrity check */
    FK_EID = -17,        /* device identification (e.g. JEDEC ID) mismatch */
    FK_ENOMEM = -18,     /* a caller-supplied buffer is too small */
    /* layout (-30 .. -59) */
    FK_ELAYOUT_SYNTAX = -30, /* layout/board file: not YAML or not the expected keys/values */
    FK_ELAYOUT_LIMIT = -31,  /* layout/board file beyond a fotakit bound (size, count, aliases) */
    FK_ELAYOUT_RULE = -32,   /* layout breaks a rule (fotakit layout check lists them) */
    /* boot (-100 .. -129) */
    FK_EBOOT_TRAILER = -100,    /* a slot trailer's magic is corrupt */
    FK_EBOOT_NOIMAGE = -101,    /* no valid image to boot */
    FK_EBOOT_STUCK = -102,      /* swap in progress but the secondary is unusable */
    FK_EBOOT_TOOBIG = -103,     /* image larger than the slots can swap */
    FK_EBOOT_DOWNGRADE = -104,  /* lower version or security counter refused */
    FK_EBOOT_GEOMETRY = -105,   /* slot geometry fotakit cannot swap */
    FK_EBOOT_VERIFY = -107,     /* a swapped unit does not read back as written, after retries */
    FK_EBOOT_COUNTER = -106,    /* the security counter store cannot be read: fail closed */
    FK_EBOOT_DEPENDENCY = -108, /* an image dependency (TLV DEPENDENCY) is not met */
    /* smp (-130 .. -159) */
    FK_ESMP_SHORT = -130,      /* SMP packet shorter than its 8-byte header */
    FK_ESMP_CRC = -131,        /* serial frame CRC16 mismatch */
    FK_ESMP_BASE64 = -132,     /* serial frame: invalid or truncated base64 */
    FK_ESMP_FRAME_LEN = -133,  /* serial frame length field disagrees with the data */
    FK_ESMP_TOO_BIG = -134,    /* packet larger than the receive buffer */
    FK_ESMP_FRAME = -135,      /* serial continuation line without a start line */
    FK_ESMP_CBOR = -136,       /* malformed CBOR */
    FK_ESMP_CBOR_DEPTH = -137, /* CBOR nested deeper than FK_CBOR_MAX_DEPTH */
};

/* Short identifier, e.g. "FK_ENODEV". Never NULL. */
const char *fk_err_name(int err);
/* One sentence saying what the code means. Never NULL. */
const char *fk_err_str(int err);

#ifdef __cplusplus
}
#endif
#endif
