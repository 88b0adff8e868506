/*
 * Bounded string builder for the bootloader's log lines (device code: no
 * snprintf). Output is always NUL-terminated; text past the end is dropped.
 */
#include "boot_priv.h"

void fk_bsb_init(struct fk_boot_sb *sb, char *buf, size_t cap)
{
    sb->buf = buf;
    sb->cap = cap;
    sb->len = 0;
    if (cap > 0) {
        buf[0] = '\0';
    }
}

static void putc_(struct fk_boot_sb *sb, char c)
{
    if (sb->cap > 0 && sb->len + 1 < sb->cap) {
        sb->buf[sb->len++] = c;
        sb->buf[sb->len] = '\0';
    }
}

void fk_bsb_puts(struct fk_boot_sb *sb, const char *s)
{
    while (s != NULL && *s) {
        putc_(sb, *s++);
    }
}

void fk_bsb_dec(struct fk_boot_sb *sb, uint32_t v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        putc_(sb, tmp[--n]);
    }
}

void fk_bsb_hex(struct fk_boot_sb *sb, uint32_t v)
{
    static const char d[] = "0123456789abcdef";
    char tmp[8];
    int n = 0;
    do {
        tmp[n++] = d[v & 15];
        v >>= 4;
    } while (v);
    fk_bsb_puts(sb, "0x");
    while (n) {
        putc_(sb, tmp[--n]);
    }
}

void fk_bsb_ver(struct fk_boot_sb *sb, const struct fk_image_version *v)
{
    putc_(sb, 'v');
    fk_bsb_dec(sb, v->major);
    putc_(sb, '.');
    fk_bsb_dec(sb, v->minor);
    putc_(sb, '.');
    fk_bsb_dec(sb, v->revision);
    putc_(sb, '+');
    fk_bsb_dec(sb, v->build);
}

void fk_bsb_err(struct fk_boot_sb *sb, int err)
{
    fk_bsb_puts(sb, fk_err_name(err));
    fk_bsb_puts(sb, ": ");
    fk_bsb_puts(sb, fk_err_str(err));
}

const char *fk_boot_reason_name(enum fk_boot_reason r)
{
    switch (r) {
    case FK_BOOT_R_NONE: return "none";
    case FK_BOOT_R_UPGRADED_TEST: return "upgraded-test";
    case FK_BOOT_R_UPGRADED_PERM: return "upgraded-permanent";
    case FK_BOOT_R_REVERTED: return "reverted";
    case FK_BOOT_R_OVERWRITTEN: return "overwritten";
    case FK_BOOT_R_SEC_INVALID: return "secondary-invalid";
    case FK_BOOT_R_SEC_DOWNGRADE: return "secondary-downgrade";
    case FK_BOOT_R_SEC_DEAD: return "secondary-dead";
    case FK_BOOT_R_REVERT_IMPOSSIBLE: return "revert-impossible";
    case FK_BOOT_R_STUCK: return "stuck";
    case FK_BOOT_R_NO_IMAGE: return "no-image";
    }
    return "?";
}
