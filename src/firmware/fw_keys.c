/* The trusted keys: `fotakit image getpub -k $FOTAKIT_SIGN_KEY -e lang-c`,
 * generated into the build folder (fotakit_pubkey.inc) at configure time. */
#include "fotakit_pubkey.inc"
#include "fw.h"

static const struct fk_image_key keys[] = {
    {.type = FK_KEY_ECDSA_P256, .der = ecdsa_pub_key, .der_len = sizeof ecdsa_pub_key},
};

const struct fk_image_keyring fk_fw_keyring = {
    .keys = keys,
    .count = sizeof keys / sizeof keys[0],
    .allow_hash_only = false,
};

/* fw_enc_key.c defines it in the bootloaders (and the bench) of
 * FOTAKIT_DEVICE_ENC builds; weak, so elsewhere its address is NULL. */
extern const struct fk_image_enc_key fk_fw_enc_key __attribute__((weak));

const struct fk_image_keyring *fk_fw_boot_keyring(void)
{
    static struct fk_image_keyring k;
    k = fk_fw_keyring;
    k.enc = &fk_fw_enc_key; /* NULL without FOTAKIT_DEVICE_ENC: encrypted images refused */
    return &k;
}
