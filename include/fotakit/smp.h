/*
 * fotakit SMP (mcumgr) server and the serial console framing codec.
 *
 * Device code (library fotakit_smp): no heap, no OS calls, no stdio. The
 * transport owner (the virtual device, a firmware main loop) drives it:
 *
 *     static struct fk_smp_server srv;
 *     struct fk_smp_config cfg = {
 *         .map = &map, .buf_size = 1024, .buf_count = 4,
 *         .reset = my_reset, .ctx = me,
 *     };
 *     fk_smp_init(&srv, &cfg);
 *     for (;;) {
 *         n = receive_one_packet(req);          // UDP datagram, or serial:
 *         size_t rsp_len;                       //   fk_smp_serial_dec_feed()
 *         if (fk_smp_handle(&srv, req, n, rsp, sizeof rsp, &rsp_len) == FK_OK
 *             && rsp_len > 0)
 *             send(rsp, rsp_len);               // serial: fk_smp_serial_encode()
 *         fk_smp_sent(&srv);                    // runs cfg.reset after an OS reset answer
 *     }
 *
 * One request packet in, at most one response packet out. The handler keeps
 * no per-request state apart from the image upload session, so pipelined,
 * duplicated or reordered requests are answered independently (upload chunks
 * at an unexpected offset are answered with the offset the server expects,
 * as Zephyr does).
 *
 * Protocol facts (Zephyr's mcumgr): header byte 0 = version << 3 | op,
 * version 0 = SMP v1 ("original"), 1 = SMP v2; answered in the version asked
 * (a version above 1 gets MGMT_ERR_UNSUPPORTED_TOO_NEW in v2). SMP-level
 * errors (unknown group/command, malformed CBOR, message too large) are
 * {"rc": MGMT_ERR, "rsn": "..."} in both versions; a group's own errors are
 * {"err": {"group": G, "rc": code}} in v2 (no "rsn", as Zephyr; see
 * FK_SMP_F_RSN_V2) and {"rc": generic MGMT_ERR, "rsn": "GROUP_ERR_NAME: ..."}
 * in v1 (Zephyr's translation table).
 * docs/smp.md lists the commands, the error mapping and the upload design.
 */
#ifndef FOTAKIT_SMP_H
#define FOTAKIT_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/boot.h"
#include "fotakit/err.h"
#include "fotakit/flash.h"
#include "fotakit/image.h"
#include "fotakit/mcuboot_mode.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- protocol numbers ---------------------------------------------------- */

#define FK_SMP_HDR_SIZE 8u
#define FK_SMP_UDP_PORT 1337u

enum fk_smp_op {
    FK_SMP_OP_READ = 0,
    FK_SMP_OP_READ_RSP = 1,
    FK_SMP_OP_WRITE = 2,
    FK_SMP_OP_WRITE_RSP = 3,
};

#define FK_SMP_V1 0 /* header version field: original protocol */
#define FK_SMP_V2 1

#define FK_SMP_GROUP_OS 0
#define FK_SMP_GROUP_IMAGE 1

/* OS group command ids */
#define FK_SMP_OS_ECHO 0
#define FK_SMP_OS_RESET 5
#define FK_SMP_OS_MCUMGR_PARAMS 6
#define FK_SMP_OS_INFO 7
#define FK_SMP_OS_BOOTLOADER_INFO 8
/* OS reset "boot_mode" values (Zephyr's retention boot modes) */
#define FK_SMP_BOOT_MODE_NORMAL 0
#define FK_SMP_BOOT_MODE_RECOVERY 1

/* Image group command ids */
#define FK_SMP_IMG_STATE 0
#define FK_SMP_IMG_UPLOAD 1
#define FK_SMP_IMG_ERASE 5
#define FK_SMP_IMG_SLOT_INFO 6

/* fotakit's own group ("FK"). Command 0, read: the reason of the last group
 * error this server answered, for SMP v2 clients that got Zephyr's bare
 * {"err": {"group", "rc"}} (fotakit's client asks right after such an
 * answer; strict clients never ask, so they never see more than Zephyr
 * sends). Answer: {"seq": S, "group": G, "id": C, "code": the group's rc,
 * "rsn": "..."} naming the request it belongs to, or {} if there was none. */
#define FK_SMP_GROUP_FOTAKIT 0x464bu
#define FK_SMP_FK_LAST_REASON 0
#define FK_SMP_REASON_MAX 192 /* bytes of a reason, NUL included (longer ones are cut) */

/* Generic mcumgr error numbers (Zephyr's enum mcumgr_err_t). */
enum fk_mgmt_err {
    FK_MGMT_ERR_EOK = 0,
    FK_MGMT_ERR_EUNKNOWN = 1,
    FK_MGMT_ERR_ENOMEM = 2,
    FK_MGMT_ERR_EINVAL = 3,
    FK_MGMT_ERR_ETIMEOUT = 4,
    FK_MGMT_ERR_ENOENT = 5,
    FK_MGMT_ERR_EBADSTATE = 6,
    FK_MGMT_ERR_EMSGSIZE = 7,
    FK_MGMT_ERR_ENOTSUP = 8,
    FK_MGMT_ERR_ECORRUPT = 9,
    FK_MGMT_ERR_EBUSY = 10,
    FK_MGMT_ERR_EACCESSDENIED = 11,
    FK_MGMT_ERR_UNSUPPORTED_TOO_OLD = 12,
    FK_MGMT_ERR_UNSUPPORTED_TOO_NEW = 13,
};

/* OS group codes (Zephyr's enum os_mgmt_err_code_t). */
enum fk_os_mgmt_err {
    FK_OS_MGMT_ERR_OK = 0,
    FK_OS_MGMT_ERR_UNKNOWN = 1,
    FK_OS_MGMT_ERR_INVALID_FORMAT = 2,
    FK_OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER = 3,
};

/* Image group codes (Zephyr's enum img_mgmt_err_code_t). */
enum fk_img_mgmt_err {
    FK_IMG_MGMT_ERR_OK = 0,
    FK_IMG_MGMT_ERR_UNKNOWN = 1,
    FK_IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL = 2,
    FK_IMG_MGMT_ERR_NO_IMAGE = 3,
    FK_IMG_MGMT_ERR_NO_TLVS = 4,
    FK_IMG_MGMT_ERR_INVALID_TLV = 5,
    FK_IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND = 6,
    FK_IMG_MGMT_ERR_TLV_INVALID_SIZE = 7,
    FK_IMG_MGMT_ERR_HASH_NOT_FOUND = 8,
    FK_IMG_MGMT_ERR_NO_FREE_SLOT = 9,
    FK_IMG_MGMT_ERR_FLASH_OPEN_FAILED = 10,
    FK_IMG_MGMT_ERR_FLASH_READ_FAILED = 11,
    FK_IMG_MGMT_ERR_FLASH_WRITE_FAILED = 12,
    FK_IMG_MGMT_ERR_FLASH_ERASE_FAILED = 13,
    FK_IMG_MGMT_ERR_INVALID_SLOT = 14,
    FK_IMG_MGMT_ERR_NO_FREE_MEMORY = 15,
    FK_IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET = 16,
    FK_IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET = 17,
    FK_IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL = 18,
    FK_IMG_MGMT_ERR_INVALID_PAGE_OFFSET = 19,
    FK_IMG_MGMT_ERR_INVALID_OFFSET = 20,
    FK_IMG_MGMT_ERR_INVALID_LENGTH = 21,
    FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER = 22,
    FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC = 23,
    FK_IMG_MGMT_ERR_INVALID_HASH = 24,
    FK_IMG_MGMT_ERR_INVALID_FLASH_ADDRESS = 25,
    FK_IMG_MGMT_ERR_VERSION_GET_FAILED = 26,
    FK_IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER = 27,
    FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING = 28,
    FK_IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE = 29,
    FK_IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE = 30,
    FK_IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN = 31,
    FK_IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED = 32,
    FK_IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED = 33,
};

/* MCUboot modes as bootloader info reports them: enum fk_mcuboot_mode in
 * fotakit/mcuboot_mode.h. */

/* The generic MGMT_ERR a v1 answer carries for a group's own code (Zephyr's
 * per-group translation). */
int fk_smp_img_err_to_mgmt(int img_rc);
int fk_smp_os_err_to_mgmt(int os_rc);
/* Names ("MGMT_ERR_EINVAL", "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC") and
 * one-sentence meanings; never NULL ("?" for unknown numbers). */
const char *fk_smp_mgmt_err_name(int rc);
const char *fk_smp_mgmt_err_str(int rc);
const char *fk_smp_group_err_name(int group, int rc);
const char *fk_smp_group_err_str(int group, int rc);

/* ---- header ---------------------------------------------------------------- */

struct fk_smp_hdr {
    uint8_t op;      /* enum fk_smp_op */
    uint8_t version; /* FK_SMP_V1 / FK_SMP_V2 (3 bits on the wire) */
    uint8_t flags;
    uint16_t len;    /* payload length */
    uint16_t group;
    uint8_t seq;
    uint8_t id;      /* command */
};
/* FK_ESMP_SHORT if len < 8. Does not check hdr->len against len. */
int fk_smp_hdr_decode(const uint8_t *buf, size_t len, struct fk_smp_hdr *hdr);
void fk_smp_hdr_encode(const struct fk_smp_hdr *hdr, uint8_t out[FK_SMP_HDR_SIZE]);

/* ---- server ------------------------------------------------------------ */

/* Test-only: accept uploads whose first chunk is not an MCUboot image header
 * (the captured vectors upload 1000 bytes of i & 0xff). Never set in firmware. */
#define FK_SMP_F_NO_HEADER_CHECK 0x1u
/* Also send "rsn" with SMP v2 group errors. Off by default: Zephyr sends
 * exactly {"err": {"group", "rc"}} there, and strict clients (smpclient's
 * pydantic models forbid unknown fields) reject anything more. fotakit's own
 * client reads it. The reason always goes to cfg.log. */
#define FK_SMP_F_RSN_V2 0x2u
/* Bootloader info without fotakit's extra "fotakit" field (for clients that
 * reject unknown fields; smpclient's models do). */
#define FK_SMP_F_NO_FOTAKIT_FIELD 0x4u
/* Fast uploads into an external NOR (docs/ble.md "Background erase"):
 *  - once a tested image is confirmed (image state confirm of slot 0 while
 *    a revert was due), the then-unused secondary slot is erased in the
 *    background by fk_smp_idle(), one block per call, resumable after a
 *    reset, with a record that says "erased" only after the last erase
 *    completed; the next upload then only programs;
 *  - `image erase` of that slot writes the same record once its erase has
 *    completed (and, when the record already proves the slot erased, only
 *    checks it); reading erased is never taken as proof (flash.h);
 *  - an upload into a slot not known erased erases ahead with 64 KB blocks
 *    (the largest JEDEC block; 32 KB or one sector where not aligned)
 *    instead of one sector at a time.
 * Off by default: then slot 1 keeps the old image after a confirm, as in
 * Zephyr. */
#define FK_SMP_F_FAST_ERASE 0x8u
/* Serial recovery (docs/recovery.md): the bootloader itself serves SMP
 * because nothing runs (no valid image, or recovery was requested at reset),
 * as MCUboot's serial recovery does. Uploads go straight into slot 0 (the
 * primary) at offset 0, MCUboot's default target; slot 0 is overwritten
 * whatever it holds (no "active" flag, never "in use"). Under fotakit's own
 * bootloader rows the first chunk also erases the secondary's trailer
 * sectors, so no pending update, revert or half-finished swap recorded
 * there can replace the recovered image at the next boot. The next reset
 * runs the normal boot path, which verifies the image (hash + signature)
 * before it starts it. */
#define FK_SMP_F_RECOVERY 0x10u

struct fk_smp_config {
    /* Flash map with FK_AREA_ID_PRIMARY (slot 0) and FK_AREA_ID_SECONDARY
     * (slot 1); uploads go where the bootloader row says (fk_bl_space():
     * one sector into the secondary for fotakit and swap-offset, offset 0
     * otherwise; the slot not running in direct-xip / RAM load). */
    const struct fk_flash_map *map;
    /* Optional: when set, `image test`/`confirm` of the secondary image first
     * verifies it (fk_image_verify) and refuses an image these keys reject.
     * NULL: no check here (the bootloader checks at the swap). */
    const struct fk_image_keyring *keys;
    /* mcumgr_params: the largest request packet (header + payload) the
     * transport accepts, and how many it can hold in flight. 0: 1024 / 4. */
    uint32_t buf_size;
    uint32_t buf_count;
    /* OS info fields (NULL: defaults "fotakit", "fotakit-device", "unknown"). */
    const char *node_name;   /* info 'n' */
    const char *machine;     /* info 'm' and 'p', e.g. "cortex-m4" */
    const char *platform;    /* info 'i', e.g. the board name */
    const char *build_time;  /* info 'b' */
    /* The bootloader the application runs under (fotakit/mcuboot_mode.h,
     * docs/smp.md "MCUboot modes"): FK_BL_FOTAKIT (0, the default: fotakit's
     * own, swap strategy), FK_BL_FOTAKIT_OVERWRITE, or a stock MCUboot mode
     * (FK_BL_MCUBOOT_SWAP_MOVE, ...). From it follow where uploads go, which
     * trailer fields `image test`/`confirm` write, what `image list`
     * reports, the largest image and bootloader info's mode. */
    enum fk_bl bootloader;
    /* MCUboot's BOOT_MAX_IMG_SECTORS (stock swap modes size their trailer
     * with it): 0 = the slot's sector count (CONFIG_BOOT_MAX_IMG_SECTORS_AUTO,
     * MCUboot's Zephyr default); imgtool's default is 128. */
    uint32_t max_img_sectors;
    /* direct-xip / RAM load: the slot the application runs from (0 or 1,
     * e.g. from the bootloader's shared data or the link address). Uploads
     * go to the other slot. Ignored in the other modes (always 0). */
    uint8_t active_slot;
    /* Bootloader info `mode` override: when mcuboot_mode_set is false, the
     * bootloader row's MCUboot mode (9 for fotakit's swap, 2 for its
     * overwrite strategy, the mode's own number for stock MCUboot). */
    /* Multi-image (docs/smp.md "Two images"): 2 serves image 1 too, whose
     * slots are the map's areas named mcuboot_primary_1 / mcuboot_secondary_1
     * (fotakit/flash.h); 0 or 1: image 0 only. At most FK_IMAGE_COUNT. */
    uint8_t image_count;
    /* Image 1's bootloader row (its own mode, e.g. FK_BL_FOTAKIT_OVERWRITE
     * for the nRF5340 network core, which NCS updates overwrite-only). The
     * equal-slot modes (direct-xip / RAM load) are image 0 only. */
    enum fk_bl bootloader_1;
    bool mcuboot_mode_set;
    int mcuboot_mode;        /* enum fk_mcuboot_mode */
    bool no_downgrade;       /* bootloader refuses downgrades ("no-downgrade") */
    uint32_t flags;          /* FK_SMP_F_... */
    /* Called from fk_smp_sent() once the answer to an OS reset went out. */
    void (*reset)(void *ctx);
    /* Optional: an OS reset carrying "boot_mode" (Zephyr's
     * CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE; FK_SMP_BOOT_MODE_RECOVERY = 1
     * asks the bootloader for serial recovery) calls this before answering;
     * the owner keeps the mode where the bootloader reads it (retained RAM:
     * fk_port_recovery_requested()). Return FK_OK, or an error for a mode
     * it cannot keep (answered MGMT_ERR_ENOTSUP, no reset). NULL: the field
     * is ignored, as Zephyr without that option. */
    int (*set_boot_mode)(void *ctx, uint8_t mode);
    /* Optional event log: one short line per notable event (upload start,
     * resume, done, refusals), without newline. */
    void (*log)(void *ctx, const char *line);
    void *ctx;
};

/* Write granularity the upload path can buffer (largest device write_size). */
#define FK_SMP_WBUF_MAX 32u

/* Upload session (RAM mirror of the record persisted in the secondary slot;
 * docs/smp.md "Upload and resume"). Private to the server: read `active`,
 * `off` and `len` for progress displays, change nothing. */
struct fk_smp_upload {
    bool active;
    uint8_t image;
    uint32_t len;        /* image length announced by the first chunk */
    uint32_t off;        /* next byte expected (bytes accepted) */
    uint32_t flushed;    /* bytes written to flash (off - flushed sit in wbuf) */
    uint32_t erased_to;  /* [flushed .. erased_to) is known erased */
    uint8_t sha[32];
    uint8_t sha_len;
    bool persisted;      /* a resume record exists for this session */
    uint32_t rec_off;    /* record sector, relative to the image start */
    uint32_t marker_unit;/* bytes of progress per marker */
    uint32_t markers;    /* markers written */
    uint8_t wbuf[FK_SMP_WBUF_MAX];
    uint32_t wlen;
};

struct fk_smp_stats {
    uint32_t requests, errors, dropped; /* dropped: not answerable (short, response op) */
    uint32_t upload_chunks, upload_rewinds, upload_resumes;
    uint32_t erases;                    /* sector erases done by uploads */
};

/* The last group error answered (for FK_SMP_FK_LAST_REASON). */
struct fk_smp_last_error {
    bool valid;
    uint8_t seq, id;
    uint16_t group;
    uint16_t group_rc;
    char rsn[FK_SMP_REASON_MAX];
};

/* Background erase state (FK_SMP_F_FAST_ERASE); private. */
enum { FK_SMP_BG_UNKNOWN = 0, FK_SMP_BG_NONE, FK_SMP_BG_RUNNING, FK_SMP_BG_DONE };
struct fk_smp_bg {
    uint8_t state;
    uint32_t step, steps;
};

struct fk_smp_server {
    const struct fk_smp_config *cfg;
    struct fk_smp_upload up;
    struct fk_smp_stats stats;
    struct fk_smp_last_error last_err;
    struct fk_smp_bg bg;
    bool reset_pending;
    /* The image the request being handled addresses (0 outside requests). */
    uint8_t img;
    /* Image 1's view of the flash map: its two slots carry image 0's ids
     * (FK_AREA_ID_PRIMARY / _SECONDARY) next to the shared bootloader,
     * scratch and counters areas, so every mode rule reads image 1's slots
     * as it reads image 0's. */
    struct fk_flash_area img1_areas[5];
    struct fk_flash_map img1_map;
};

/* FK_OK; FK_EINVAL if cfg/map is NULL; the flash areas are opened lazily, so
 * a missing secondary slot shows up as an error answer, not here. */
int fk_smp_init(struct fk_smp_server *s, const struct fk_smp_config *cfg);

/*
 * Process one SMP request packet (header + CBOR payload). On FK_OK, *rsp_len
 * is the response length (0: nothing to send: the packet was a response, or
 * too short to carry a header to answer). Every request with a header gets
 * an answer: errors are answered in the protocol, never by silence.
 * Returns FK_ENOMEM only if rsp_cap cannot hold even a minimal error answer
 * (under 40 bytes; keep rsp_cap >= 512: that holds every answer, an
 * upload answer needs < 32), FK_EINVAL for NULL arguments, FK_ESMP_SHORT for a packet
 * under 8 bytes (nothing sent).
 */
int fk_smp_handle(struct fk_smp_server *s, const uint8_t *req, size_t len, uint8_t *rsp,
                  size_t rsp_cap, size_t *rsp_len);

/* Call after each response has been sent (or after a handle that produced
 * none). If that response answered an OS reset, runs cfg->reset(ctx) once. */
void fk_smp_sent(struct fk_smp_server *s);
bool fk_smp_reset_pending(const struct fk_smp_server *s);

/* Call when the device is idle (no SMP request waiting, e.g. from the main
 * loop or a low-priority work item). With FK_SMP_F_FAST_ERASE, runs one
 * step of the background erase of the unused secondary slot: one block
 * erase (it waits for the erase to finish: up to the chip's block-erase
 * time, 220 ms typical on an MX25R1635F) and its progress record. Never
 * while an upload session is active. Returns 1 when it did a step (call
 * again when idle), 0 when there is nothing to do, a negative flash error
 * (the background erase stops; the next upload erases as it goes). */
int fk_smp_idle(struct fk_smp_server *s);
/* True when a done-record proves slot 1 erased (the background erase
 * finished, or `image erase` vouched for its erase): slot 1 is erased
 * except its record sector, and no upload has started since. The next
 * upload then only programs; nothing else lets it skip an erase (a slot
 * that merely reads erased may hold weakly erased cells). */
bool fk_smp_slot_pre_erased(struct fk_smp_server *s);

/* Forget the RAM upload session (as a device reset would). The persisted
 * record stays, so the next first chunk with the same sha resumes. */
void fk_smp_forget_upload(struct fk_smp_server *s);

/* ---- serial console framing -------------------------------------------- */
/*
 * A packet travels as: 2-byte big-endian length (packet + 2), the packet, its
 * CRC16-XMODEM (big-endian; poly 0x1021, init 0, over the packet only); base64
 * of all that, split into lines of at most 127 bytes: the first starts with
 * 06 09, the others with 04 14, each ends with '\n'.
 */
#define FK_SMP_SERIAL_LINE_MAX 127u
#define FK_SMP_SERIAL_START0 0x06
#define FK_SMP_SERIAL_START1 0x09
#define FK_SMP_SERIAL_CONT0 0x04
#define FK_SMP_SERIAL_CONT1 0x14

uint16_t fk_smp_crc16(uint16_t crc, const uint8_t *data, size_t len);

/* Bytes the framed packet takes (all lines). */
size_t fk_smp_serial_frame_size(size_t pkt_len);
/* Frame one packet into out. FK_ENOMEM if cap is too small, FK_EINVAL if
 * the packet is longer than 65533 bytes. */
int fk_smp_serial_encode(const uint8_t *pkt, size_t len, uint8_t *out, size_t cap,
                         size_t *out_len);
/* Same, handing each finished line to put() (no frame-sized buffer needed). */
int fk_smp_serial_encode_cb(const uint8_t *pkt, size_t len,
                            int (*put)(void *arg, const uint8_t *line, size_t n), void *arg);

/* Streaming decoder: feed any bytes (console text between frames is
 * ignored); complete packets land in the caller's buffer. */
struct fk_smp_serial_dec {
    uint8_t *buf;     /* caller's buffer: receives length + packet + CRC */
    size_t cap;
    size_t got;       /* decoded bytes of the current frame */
    size_t need;      /* 2 + length once the length is known, else 0 */
    uint8_t quad[4];  /* base64 characters pending */
    uint8_t nquad;
    uint8_t state;    /* private */
    bool pad_seen;    /* '=' seen: the frame's base64 has ended */
    uint32_t frames, errors; /* counters */
};
void fk_smp_serial_dec_init(struct fk_smp_serial_dec *d, uint8_t *buf, size_t cap);
/*
 * Consume bytes from in[0..len) up to the first event; *used = bytes taken.
 * Returns:
 *   > 0  a packet of that length is complete at *pkt (inside d->buf, valid
 *        until the next feed call);
 *   0    all input consumed, no packet yet;
 *   < 0  a frame was dropped: FK_ESMP_CRC (CRC mismatch), FK_ESMP_BASE64
 *        (bad character, or base64 that ends mid-group), FK_ESMP_FRAME_LEN
 *        (the length field disagrees with the data: more data than it says,
 *        or the frame ended short), FK_ESMP_TOO_BIG (length beyond cap),
 *        FK_ESMP_FRAME (a continuation line with no frame open). The
 *        decoder has resynchronised: call again with the rest of the input.
 * A frame is complete at the end of the line where its length is reached; a
 * start line arriving before then drops the unfinished frame (FK_ESMP_FRAME_LEN).
 */
int fk_smp_serial_dec_feed(struct fk_smp_serial_dec *d, const uint8_t *in, size_t len,
                           size_t *used, const uint8_t **pkt);

/* ---- the server on a serial byte stream ---------------------------------- */
/*
 * Bytes received on a UART in, answers out: the serial decoder, fk_smp_handle
 * and the framing encoder in one loop body (the application's console
 * transport and the bootloader's serial recovery share it). Buffers are the
 * caller's (no heap): rx holds one frame's length + packet + CRC (buf_size +
 * 4 bytes), tx one answer packet (>= 512 bytes). put() gets each framed
 * line (<= FK_SMP_SERIAL_LINE_MAX bytes) and returns FK_OK or an error that
 * stops that answer.
 */
struct fk_smp_console {
    struct fk_smp_server *srv;
    struct fk_smp_serial_dec dec;
    uint8_t *tx;
    size_t tx_cap;
    int (*put)(void *arg, const uint8_t *line, size_t n);
    void *arg;
    uint32_t answered; /* answers sent since init */
};
void fk_smp_console_init(struct fk_smp_console *c, struct fk_smp_server *srv, uint8_t *rx,
                         size_t rx_cap, uint8_t *tx, size_t tx_cap,
                         int (*put)(void *arg, const uint8_t *line, size_t n), void *arg);
/* Feed received bytes (any split; console text between frames is ignored):
 * every complete request is handled, its answer framed to put(), then
 * fk_smp_sent() runs (so an OS reset's cfg.reset runs after its answer went
 * out). Returns the number of answers sent by this call. */
int fk_smp_console_feed(struct fk_smp_console *c, const uint8_t *in, size_t len);

#ifdef __cplusplus
}
#endif
#endif
