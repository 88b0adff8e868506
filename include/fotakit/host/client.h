/*
 * fotakit SMP (mcumgr) host client: transports (UDP, serial console framing),
 * request/response with sequence matching, bounded timeouts and retries, the
 * OS and image group commands, and a pipelined, resumable image upload.
 *
 * Host-only (library fotakit_client_host, libcbor for the CBOR payloads).
 * Used by `fotakit smp`, `fotakit demo`, the device tests and bench/upload.
 */
#ifndef FOTAKIT_CLIENT_H
#define FOTAKIT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SMP header (8 bytes, big-endian fields). */
#define FK_CL_HDR_SIZE 8
#define FK_CL_OP_READ 0
#define FK_CL_OP_READ_RSP 1
#define FK_CL_OP_WRITE 2
#define FK_CL_OP_WRITE_RSP 3
#define FK_CL_GROUP_OS 0
#define FK_CL_GROUP_IMAGE 1
#define FK_CL_GROUP_FOTAKIT 0x464b /* fotakit/smp.h FK_SMP_GROUP_FOTAKIT: last error's reason */
#define FK_CL_UDP_PORT 1337

/* ---- transports ------------------------------------------------------- */

struct fk_client_tp {
    /* Send one SMP packet. 0 or a negative fotakit code. */
    int (*send)(struct fk_client_tp *tp, const uint8_t *pkt, size_t len);
    /* Wait up to timeout_ms for one whole packet: its length, 0 on timeout,
     * negative fotakit code on error. Packets that do not fit cap, or serial
     * frames fotakit_smp's decoder rejects (bad CRC/base64/length), are
     * dropped (counted in `dropped`). */
    int (*recv)(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms);
    void (*close)(struct fk_client_tp *tp);
    const char *kind;   /* "udp", "serial", "ble" or "blesim" */
    uint64_t tx_wire;   /* bytes written to the link (datagram payloads / serial bytes) */
    uint64_t rx_wire;
    uint64_t tx_packets, rx_packets, dropped;
    uint64_t refused;   /* UDP: "port unreachable" answers (nothing listens there) */
};

/* "udp:HOST[:PORT]", "serial:DEV[,baud=N]", "ble:ADDR|NAME" or "blesim:PATH". err receives a message that
 * names what was wrong. Returns 0 or a negative fotakit code. */
int fk_client_tp_open(const char *conn, struct fk_client_tp **out, char *err, size_t errlen);
int fk_client_tp_open_udp(const char *host, unsigned port, struct fk_client_tp **out, char *err, size_t errlen);
int fk_client_tp_open_serial(const char *dev, unsigned baud, struct fk_client_tp **out, char *err, size_t errlen);
/* The virtual device's BLE link (blesim:PATH; fotakit/host/blesim.h): MTU
 * exchange, writes without response of ATT_MTU-3 bytes, answers
 * reassembled from notifications. A closed link reads as FK_EIO. */
int fk_client_tp_open_blesim(const char *path, struct fk_client_tp **out, char *err, size_t errlen);
/* BLE through BlueZ over D-Bus (ble:ADDR|NAME; built when libsystemd's
 * sd-bus is available, FK_HAVE_BLUEZ): connect, find the SMP
 * characteristic, AcquireWrite/AcquireNotify where offered (else
 * WriteValue + StartNotify), writes of ATT_MTU-3 bytes, answers reassembled
 * from notifications. err names what is missing: no adapter, device not
 * found, not connectable, no SMP characteristic. */
int fk_client_tp_open_bluez(const char *who, struct fk_client_tp **out, char *err, size_t errlen);
/* Serial transport on an already-open fd (a pty master in tests); takes ownership. */
int fk_client_tp_serial_from_fd(int fd, struct fk_client_tp **out);

/* Write all n bytes to fd (a tty/pty, possibly non-blocking): retries on
 * EINTR, waits up to 1 s for room on EAGAIN. 0, FK_ETIMEDOUT (nobody reads
 * the other end) or FK_EIO. Also used by the virtual device's serial side. */
int fk_client_write_all(int fd, const uint8_t *p, size_t n);

/* ---- client ----------------------------------------------------------- */

struct fk_client {
    struct fk_client_tp *tp;
    int version;       /* SMP version used for requests: 1 or 2 (default 2) */
    uint8_t seq;       /* next sequence number */
    int timeout_ms;    /* per attempt */
    int slow_timeout_ms; /* per attempt, for answers that may follow a flash
                          * erase: image erase, an upload's first chunk (a
                          * device erases the slot, or its first sectors and
                          * trailer, before answering; a 2 MB NOR slot at the
                          * datasheet's maximum times takes tens of seconds).
                          * Default 40000 (smpclient's too); the larger of this
                          * and timeout_ms is used. */
    int retries;       /* retransmissions after the first attempt */
    uint32_t buf_size; /* server's buffer size from mcumgr_params, 0 if unknown */
    uint32_t buf_count;
    bool verbose;      /* hex-dump packets to stderr */
};

/* A device answer's status, decoded from either error form. */
struct fk_client_status {
    int rc;           /* generic MGMT_ERR number ({rc} form, or v1), 0 = none */
    int group;        /* v2 {err: {group, rc}}: group, -1 when absent */
    int group_rc;     /* v2 group's own code, 0 = none */
    char rsn[256];    /* "rsn" text if the device sent one */
};

void fk_client_init(struct fk_client *c, struct fk_client_tp *tp);
void fk_client_close(struct fk_client *c);

/* One request/response. `req` is a CBOR map encoded by the caller (NULL:
 * empty map). On success *rsp (malloc'd, caller frees) holds the response
 * CBOR and *rsp_len its length; status is filled from it. Retransmits with
 * the same sequence number on timeout, at most c->retries times. Returns 0,
 * FK_ETIMEDOUT, FK_EIO, FK_ECORRUPT (undecodable answer). A device-level
 * error is NOT a negative return: look at status (fk_client_status_failed).
 * An SMP v2 group error comes without a reason from Zephyr-like servers;
 * the client then asks a fotakit device for it (one more request, group
 * FK_CL_GROUP_FOTAKIT) and fills status.rsn. */
int fk_client_call(struct fk_client *c, int op, uint16_t group, uint8_t cmd, const uint8_t *req,
                   size_t req_len, uint8_t **rsp, size_t *rsp_len, struct fk_client_status *st);
bool fk_client_status_failed(const struct fk_client_status *st);
/* "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC (23, image group): the image
 * header magic value does not match the expected value; rsn: ..." */
const char *fk_client_status_str(const struct fk_client_status *st, char *buf, size_t len);
/* Names and meanings of MGMT_ERR numbers and of a group's own codes. */
const char *fk_client_mgmt_err_name(int rc);
const char *fk_client_mgmt_err_str(int rc);
const char *fk_client_group_err_name(int group, int rc);
const char *fk_client_group_err_str(int group, int rc);

/* ---- commands --------------------------------------------------------- */

int fk_client_echo(struct fk_client *c, const char *text, char *out, size_t outlen,
                   struct fk_client_status *st);
int fk_client_params(struct fk_client *c, struct fk_client_status *st);
int fk_client_reset(struct fk_client *c, struct fk_client_status *st);
/* Reset with "boot_mode" (0..255; -1: none): 1 asks a bootloader with
 * serial recovery to enter it (Zephyr's CONFIG_MCUMGR_GRP_OS_RESET_BOOT_MODE). */
int fk_client_reset_mode(struct fk_client *c, int boot_mode, struct fk_client_status *st);
/* Any command with an optional one-string request {key: val} (key NULL: an
 * empty map); the answer map is written to out as "key: value" lines. Used
 * for OS info (group 0, 7, "format") and bootloader info (0, 8, "query"). */
int fk_client_simple(struct fk_client *c, int op, uint16_t group, uint8_t cmd, const char *key,
                     const char *val, char *out, size_t outlen, struct fk_client_status *st);

struct fk_client_slot {
    int image, slot;
    char version[32];
    uint8_t hash[32];
    bool has_hash;
    bool bootable, pending, confirmed, active, permanent;
};
#define FK_CL_MAX_SLOTS 8
struct fk_client_image_list {
    struct fk_client_slot slot[FK_CL_MAX_SLOTS];
    unsigned count;
    int split_status;
};
int fk_client_image_list(struct fk_client *c, struct fk_client_image_list *out, struct fk_client_status *st);
/* State write: test (confirm=false, hash required) or confirm (hash optional). */
int fk_client_image_state(struct fk_client *c, const uint8_t *hash, bool confirm,
                          struct fk_client_image_list *out, struct fk_client_status *st);
int fk_client_image_erase(struct fk_client *c, int slot, struct fk_client_status *st);

struct fk_client_upload_opts {
    unsigned window;  /* requests in flight (default 4) */
    unsigned chunk;   /* data bytes per request (0: fit the server's buf_size) */
    unsigned image;   /* image number (0) */
    bool upgrade;     /* send upgrade=true (refuse downgrades) */
    /* Called after each acknowledged advance. */
    void (*progress)(void *arg, uint32_t done, uint32_t total);
    void *arg;
    /* Test hook: stop (as if interrupted) once at least this many bytes are
     * acknowledged; 0 = never. The call then returns 0 with
     * stats.done < total. */
    uint32_t stop_after;
    /* Set non-zero (e.g. from a SIGINT handler) to stop like stop_after. */
    volatile int *cancel;
};
struct fk_client_upload_stats {
    uint32_t total;       /* image bytes */
    uint32_t resumed_at;  /* first offset the device asked for (>0: resumed) */
    uint32_t done;        /* bytes the device acknowledged */
    uint32_t sent;        /* data bytes sent, including retransmissions */
    unsigned requests, retransmits, rewinds;
    unsigned chunk;       /* chunk size used */
    uint64_t tx_wire, rx_wire;
    double seconds;       /* wall clock */
    int match;            /* -1 unknown, 0/1 the device's "match" in the last reply */
};
/* Upload `data` (an image file) to the secondary slot. Returns 0 when the
 * device acknowledged every byte (or stop_after was hit), a negative fotakit
 * code for link failures, or 0 with a failed status for a device refusal. */
int fk_client_upload(struct fk_client *c, const uint8_t *data, size_t len,
                     const struct fk_client_upload_opts *opts, struct fk_client_upload_stats *stats,
                     struct fk_client_status *st);

/* The image's SHA256 TLV value (what `image list` shows as its hash): 0 or
 * FK_ECORRUPT/FK_ENOENT if the file is not an MCUboot image with one. */
int fk_client_image_file_hash(const uint8_t *data, size_t len, uint8_t hash[32]);

/* Hex helpers. */
void fk_client_hex(const uint8_t *b, size_t n, char *out);
int fk_client_unhex(const char *s, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
