/* libFuzzer: the MCUboot image header/TLV scanner and the streaming
 * verifier, on a RAM flash area holding the input (hash-only keyring, and
 * one with the ECDSA P-256 key of ../shared/vectors/imgtool). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/image.h"
#include "fotakit/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fk_image_key key;
static uint8_t key_der[512];
static int have_key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20)) {
        return 0;
    }
    if (!have_key) {
        have_key = fk_image_key_load_pem(FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem", &key,
                                         key_der, sizeof key_der, NULL, 0) == FK_OK ? 1 : -1;
    }
    struct fk_flash_dev dev;
    struct fk_flash_area fa;
    fk_ram_flash_init(&dev, &fa, data, (uint32_t)size);
    struct fk_image_info info;
    fk_image_inspect(&fa, 0, &info);
    struct fk_image_keyring hash_only = {.keys = NULL, .count = 0, .allow_hash_only = true};
    int rc = fk_image_verify(&fa, 0, &hash_only, &info);
    if (rc == FK_OK && !info.has_hash) {
        __builtin_trap(); /* accepted without the hash it checked */
    }
    if (have_key > 0) {
        struct fk_image_keyring ring = {.keys = &key, .count = 1, .allow_hash_only = false};
        fk_image_verify(&fa, 0, &ring, &info);
    }
    return 0;
}
