/*
 * A tiny bounded string builder for device code (no snprintf: device code
 * links no stdio). Output is always NUL-terminated; text past the end is
 * dropped. Implemented in fotakit_flash (src/flash/str_buf.c); the flash
 * drivers' explanations, the bootloader's log/why lines and the SMP server's
 * messages all build their text with it.
 */
#ifndef FOTAKIT_STR_BUF_H
#define FOTAKIT_STR_BUF_H

#include <stddef.h>
#include <stdint.h>

struct fk_sb {
    char *buf;
    size_t cap; /* bytes including the NUL */
    size_t len;
};

void fk_sb_init(struct fk_sb *sb, char *buf, size_t cap);
void fk_sb_puts(struct fk_sb *sb, const char *s);
void fk_sb_putc(struct fk_sb *sb, char c);
/* Lower-case hex; at least `digits` digits (0: as many as needed). */
void fk_sb_hex(struct fk_sb *sb, uint32_t v, unsigned digits);
void fk_sb_dec(struct fk_sb *sb, uint32_t v);
void fk_sb_dec_signed(struct fk_sb *sb, int32_t v);

#endif
