/* The bootloader's image decryption key (FOTAKIT_DEVICE_ENC), as MCUboot
 * builds it in: `fotakit image getpriv --minimal` of FOTAKIT_ENC_KEY (or the
 * build's development key), generated into the build folder
 * (fotakit_enckey.inc) at configure time. Linked into the bootloaders only:
 * the application never holds it. */
#include "fotakit_enckey.inc"
#include "fw.h"

const struct fk_image_enc_key fk_fw_enc_key = {
    .tlv_type = FK_TLV_ENC_EC256,
    .der = enc_priv_key,
    .der_len = sizeof enc_priv_key,
};
