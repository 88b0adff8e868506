#include "fotakit/str_buf.h"

void fk_sb_init(struct fk_sb *sb, char *buf, size_t cap)
{
    sb->buf = buf;
    sb->cap = cap;
    sb->len = 0;
    if (cap > 0) {
        buf[0] = '\0';
    }
}

void fk_sb_putc(struct fk_sb *sb, char c)
{
    if (sb->cap == 0 || sb->len + 1 >= sb->cap) {
        return;
    }
    sb->buf[sb->len++] = c;
    sb->buf[sb->len] = '\0';
}

void fk_sb_puts(struct fk_sb *sb, const char *s)
{
    while (s != NULL && *s != '\0') {
        fk_sb_putc(sb, *s++);
    }
}

void fk_sb_hex(struct fk_sb *sb, uint32_t v, unsigned digits)
{
    char tmp[8];
    unsigned n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v & 0xf];
        v >>= 4;
    } while (v != 0 && n < sizeof tmp);
    for (unsigned i = n; i < digits; i++) {
        fk_sb_putc(sb, '0');
    }
    while (n > 0) {
        fk_sb_putc(sb, tmp[--n]);
    }
}

void fk_sb_dec(struct fk_sb *sb, uint32_t v)
{
    char tmp[10];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof tmp);
    while (n > 0) {
        fk_sb_putc(sb, tmp[--n]);
    }
}

void fk_sb_dec_signed(struct fk_sb *sb, int32_t v)
{
    if (v < 0) {
        fk_sb_putc(sb, '-');
        fk_sb_dec(sb, (uint32_t)0 - (uint32_t)v);
    } else {
        fk_sb_dec(sb, (uint32_t)v);
    }
}
