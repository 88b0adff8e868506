/*
 * Pieces shared by the two firmware programs (fotakit-boot, fotakit-app):
 * the flash map built from the generated fotakit_layout.h over the port's
 * devices, the trusted keys (from `fotakit image getpub`), and the UART log.
 */
#ifndef FOTAKIT_FIRMWARE_FW_H
#define FOTAKIT_FIRMWARE_FW_H

#include <stdint.h>

#include "fotakit/flash.h"
#include "fotakit/image.h"

/* The layout's flash map, every area on the port's device for it
 * (fk_port_flash()). Call after fk_port_init(). */
const struct fk_flash_map *fk_fw_map(void);
/* Layout device index of the device `dev` (-1 if it is none of the port's). */
int fk_fw_dev_index(const struct fk_flash_dev *dev);

/* Public keys the build embedded (FOTAKIT_SIGN_KEY's public half). */
extern const struct fk_image_keyring fk_fw_keyring;
/* The bootloader's decryption key (fw_enc_key.c, FOTAKIT_DEVICE_ENC:
 * FOTAKIT_ENC_KEY's private half). Only the bootloaders link it. */
extern const struct fk_image_enc_key fk_fw_enc_key;
/* fk_fw_keyring plus fk_fw_enc_key when the program links it (the
 * bootloaders of FOTAKIT_DEVICE_ENC builds), else no decryption key. */
const struct fk_image_keyring *fk_fw_boot_keyring(void);

struct fk_boot_config;
struct fk_boot_rsp;
/* The bootloader's decision for every image of the build (boot_main.c for
 * one, boot_multi.c for FOTAKIT_FW_IMAGES=2: fk_boot_go_multi, image 1's
 * lines prefixed "image 1: "). cfg / *rsp: image 0's, the one started.
 * Returns image 0's fk_boot_go() result. */
int fk_fw_boot_images(const struct fk_boot_config *cfg, struct fk_boot_rsp *rsp);

struct fk_smp_config;
/* The largest SMP request packet the programs accept over the UART. */
#define FK_FW_SMP_BUF 1024u
/* Serve SMP on the console UART with this configuration forever (fw_smp.c);
 * `tag` prefixes the log line of an init failure. */
_Noreturn void fk_fw_serve_smp(const struct fk_smp_config *cfg, const char *tag);
/* Serial recovery (recovery.c, fotakit-boot-recovery only): log why, then
 * serve SMP with uploads into the primary slot until an SMP reset. */
_Noreturn void fk_fw_recovery(const char *why);

/* One log line on the UART: "<tag>: <a><b>\r\n" (b may be NULL). */
void fk_fw_log(const char *tag, const char *a, const char *b);
/* "0x" + 8 hex digits of v into out[11] (NUL-terminated); returns out. */
char *fk_fw_hex32(uint32_t v, char out[11]);
/* Decimal of v into out[11]; returns out. */
char *fk_fw_dec(uint32_t v, char out[11]);
/* "boot: <prefix>swap step <done>/<total>" (prefix <= 16 chars), after a
 * watchdog kick: one line per swap step, so a person (and the power-cut
 * test) sees where a swap is. */
void fk_fw_swap_step(const char *prefix, uint32_t done, uint32_t total);
/* "major.minor.revision+build" into out[48]; returns out. */
char *fk_fw_ver(const struct fk_image_version *v, char out[48]);

#endif
