/* Test support for the SMP tests: a RAM NOR flash with operation counters
 * and a power-cut switch, an MCUboot image builder, vector loading, and
 * libcbor-based response inspection (independent of fotakit's decoder). */
#ifndef SMP_TEST_UTIL_H
#define SMP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cbor.h>

#include "fotakit/flash.h"
#include "fotakit/smp.h"

/* RAM NOR flash: program may only clear bits (FK_ENOTERASED otherwise),
 * erase sets a sector to 0xff. */
struct ramflash {
    struct fk_flash_dev dev;
    uint8_t *mem;
    uint32_t prog_calls, erase_calls, prog_bytes;
    uint32_t *sector_erases;
    /* Power cut: when >= 0, the operation that would make prog+erase calls
     * exceed it, and every later one, fails with FK_EIO (and does nothing). -1: never. */
    long cut_after;
};

void ramflash_init(struct ramflash *f, const char *name, uint32_t size, uint32_t erase_size,
                   uint32_t write_size);
void ramflash_free(struct ramflash *f);

/* Two devices: internal (primary, 64 KB) and external (secondary, 64 KB),
 * 4 KB sectors, write size 4. */
struct testdev {
    struct ramflash in, ext;
    struct fk_flash_area areas[2];
    struct fk_flash_map map;
};
void testdev_init(struct testdev *t);
void testdev_free(struct testdev *t);
/* Bytes of the primary area (for "never touched" checks). */
const uint8_t *testdev_primary(const struct testdev *t);

/* A hash-only MCUboot image: 32-byte header, payload of `payload_len`
 * pseudo-random bytes from `seed`, TLV area with the SHA256 TLV. Returns a
 * malloc'd buffer (*len set) and the SHA256 TLV value in hash. */
uint8_t *make_image(uint8_t major, uint8_t minor, uint16_t rev, uint32_t payload_len,
                    uint32_t seed, size_t *len, uint8_t hash[32]);
/* Program an image into the primary slot (factory programming). */
void testdev_flash_primary(struct testdev *t, const uint8_t *img, size_t len);

void sha256(const uint8_t *d, size_t n, uint8_t out[32]);

/* Vectors: read a .hex file of one packet per line. Returns the number of
 * packets; pkts[i] malloc'd, lens[i] set. */
size_t read_hex_lines(const char *path, uint8_t **pkts, size_t *lens, size_t max);
void free_pkts(uint8_t **pkts, size_t n);

/* Build a request packet: header + payload. Returns its length. */
size_t make_req(uint8_t *out, int version, int op, uint16_t group, uint8_t seq, uint8_t id,
                const uint8_t *payload, size_t plen);

/* Response inspection. */
struct rsp {
    struct fk_smp_hdr hdr;
    cbor_item_t *root; /* NULL if the payload is not CBOR */
};
bool rsp_parse(struct rsp *r, const uint8_t *buf, size_t len);
void rsp_free(struct rsp *r);
cbor_item_t *map_get(cbor_item_t *map, const char *key);
bool map_int(cbor_item_t *map, const char *key, int64_t *out);
bool map_bool(cbor_item_t *map, const char *key, bool *out);
/* Text value copied to out (NUL-terminated); false if absent. */
bool map_str(cbor_item_t *map, const char *key, char *out, size_t cap);
/* The answer's error: mgmt rc ({rc}), group and group rc ({err}); 0/-1/0
 * when absent. */
void rsp_err(const struct rsp *r, int *rc, int *group, int *group_rc);

#endif
