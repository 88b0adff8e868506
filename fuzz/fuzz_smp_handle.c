/* libFuzzer: the SMP request handler. The input is a session: packets, each
 * after a 2-byte big-endian length. The server runs on RAM flash (primary:
 * a valid hash-only image; secondary erased), fresh for every input, with
 * fotakit's bootloader between sessions left out (fk_smp_sent runs). Every
 * request with a header must get a well-formed answer; the running image
 * must never change. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/cbor.h"
#include "fotakit/smp.h"
#include "smp_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct testdev t;
static uint8_t *img, *primary0;
static size_t img_len;

static void reset_cb(void *ctx)
{
    (void)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct fk_image_keyring ring = {.keys = NULL, .count = 0, .allow_hash_only = true};
    if (img == NULL) {
        uint8_t hash[32];
        testdev_init(&t);
        img = make_image(1, 0, 0, 3000, 7, &img_len, hash);
        testdev_flash_primary(&t, img, img_len);
        primary0 = malloc(t.in.dev.size);
        memcpy(primary0, t.in.mem, t.in.dev.size);
    }
    /* fresh flash: primary image, erased secondary */
    memcpy(t.in.mem, primary0, t.in.dev.size);
    memset(t.ext.mem, 0xff, t.ext.dev.size);
    struct fk_smp_config cfg = {.map = &t.map, .keys = &ring, .buf_size = 2048, .buf_count = 4,
                                .reset = reset_cb};
    if (size > 0) {
        cfg.flags = data[0] & (FK_SMP_F_RSN_V2 | FK_SMP_F_NO_FOTAKIT_FIELD);
        data++;
        size--;
    }
    static struct fk_smp_server srv;
    if (fk_smp_init(&srv, &cfg) != FK_OK) {
        __builtin_trap();
    }
    static uint8_t rsp[4096];
    size_t pos = 0;
    while (pos + 2 <= size) {
        size_t n = (size_t)data[pos] << 8 | data[pos + 1];
        pos += 2;
        if (n > size - pos) {
            n = size - pos;
        }
        uint8_t *req = malloc(n ? n : 1); /* exact size: ASan sees any overread */
        memcpy(req, data + pos, n);
        size_t rl = 0;
        int rc = fk_smp_handle(&srv, req, n, rsp, sizeof rsp, &rl);
        if (rc == FK_OK && rl > 0) {
            if (rl < FK_SMP_HDR_SIZE || rl > sizeof rsp) {
                __builtin_trap();
            }
            size_t plen = (size_t)rsp[2] << 8 | rsp[3];
            size_t il;
            if (plen != rl - FK_SMP_HDR_SIZE || fk_cbor_check(rsp + 8, plen, &il) != FK_OK ||
                il != plen) {
                __builtin_trap(); /* an answer that is not one CBOR item */
            }
        } else if (rc != FK_OK && rc != FK_ESMP_SHORT) {
            __builtin_trap();
        }
        fk_smp_sent(&srv);
        free(req);
        pos += n;
    }
    if (memcmp(t.in.mem, primary0, t.in.dev.size) != 0) {
        /* only a state write (confirm) may touch the primary: its trailer */
        if (memcmp(t.in.mem, primary0, t.in.dev.size - 0x1000) != 0) {
            __builtin_trap();
        }
    }
    return 0;
}
