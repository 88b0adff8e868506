/*
 * bench/verify: the smallest Cortex-M4 program that keeps the verifier and
 * all the crypto it can reach: one call of fk_image_verify through a flash
 * device, linked with --gc-sections. The bench compiles this with
 * arm-none-eabi-gcc at run time and measures the ELF.
 */
#include "fotakit/image.h"

static int rd(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    const volatile uint8_t *src = (const volatile uint8_t *)(uintptr_t)(0x08020000u + off);
    uint8_t *d = buf;
    (void)dev;
    while (len--) {
        *d++ = *src++;
    }
    return FK_OK;
}

static const struct fk_flash_ops ops = {rd, 0, 0, 0};
static struct fk_flash_dev dev = {.size = 0x74000, .erase_size = 4096, .write_size = 4,
                                  .erased_val = 0xff, .ops = &ops, .state = FK_DEV_READY};
static const struct fk_flash_area area = {.id = 1, .dev = &dev, .size = 0x74000};
extern const struct fk_image_key fk_m4_keys[];
const struct fk_image_key fk_m4_keys[1] = {{FK_KEY_ECDSA_P256, (const uint8_t *)0x0801f000u, 91}};

volatile int fk_m4_result;

void fk_m4_entry(void)
{
    struct fk_image_info info;
    struct fk_image_keyring ring = {.keys = fk_m4_keys, .count = 1, .allow_hash_only = false};
    fk_m4_result = fk_image_verify(&area, 0, &ring, &info);
    for (;;) {
    }
}
