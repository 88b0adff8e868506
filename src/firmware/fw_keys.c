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
