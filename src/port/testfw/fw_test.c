/* Test reporter for emulated-CPU firmware tests (see fw_test.h). */
#include "fw_test.h"

#include "fotakit/err.h"
#include "fotakit/str_buf.h"

#define LINE_MAX 224

static void emit(struct fk_fwt *t, const struct fk_sb *sb)
{
    for (size_t i = 0; i < sb->len; i++) {
        t->putc(sb->buf[i]);
    }
    t->putc('\r');
    t->putc('\n');
}

static void verdict(struct fk_fwt *t, struct fk_sb *sb, int ok, const char *name)
{
    fk_sb_puts(sb, ok ? "ok " : "FAIL ");
    fk_sb_puts(sb, name);
    if (ok) {
        t->pass++;
    } else {
        t->fail++;
    }
}

void fk_fwt_info(struct fk_fwt *t, const char *name, const char *text)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    fk_sb_init(&sb, line, sizeof line);
    fk_sb_puts(&sb, "info ");
    fk_sb_puts(&sb, name);
    fk_sb_puts(&sb, ": ");
    fk_sb_puts(&sb, text);
    emit(t, &sb);
}

int fk_fwt_eq(struct fk_fwt *t, const char *name, uint32_t got, uint32_t want)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    fk_sb_init(&sb, line, sizeof line);
    int ok = got == want;
    verdict(t, &sb, ok, name);
    if (!ok) {
        fk_sb_puts(&sb, ": got 0x");
        fk_sb_hex(&sb, got, 0);
        fk_sb_puts(&sb, ", want 0x");
        fk_sb_hex(&sb, want, 0);
    }
    emit(t, &sb);
    return ok;
}

int fk_fwt_rc(struct fk_fwt *t, const char *name, int got, int want)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    fk_sb_init(&sb, line, sizeof line);
    int ok = got == want;
    verdict(t, &sb, ok, name);
    if (!ok) {
        fk_sb_puts(&sb, ": got ");
        fk_sb_puts(&sb, fk_err_name(got));
        fk_sb_puts(&sb, ", want ");
        fk_sb_puts(&sb, fk_err_name(want));
    }
    emit(t, &sb);
    return ok;
}

static int mem_report(struct fk_fwt *t, const char *name, const uint8_t *g, const uint8_t *w,
                      uint8_t fill, size_t n)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    size_t i = 0;
    while (i < n && g[i] == (w ? w[i] : fill)) {
        i++;
    }
    fk_sb_init(&sb, line, sizeof line);
    int ok = i == n;
    verdict(t, &sb, ok, name);
    if (!ok) {
        fk_sb_puts(&sb, ": byte ");
        fk_sb_dec(&sb, (uint32_t)i);
        fk_sb_puts(&sb, " of ");
        fk_sb_dec(&sb, (uint32_t)n);
        fk_sb_puts(&sb, " is 0x");
        fk_sb_hex(&sb, g[i], 2);
        fk_sb_puts(&sb, ", want 0x");
        fk_sb_hex(&sb, w ? w[i] : fill, 2);
    }
    emit(t, &sb);
    return ok;
}

int fk_fwt_mem(struct fk_fwt *t, const char *name, const void *got, const void *want, size_t n)
{
    return mem_report(t, name, got, want, 0, n);
}

int fk_fwt_fill(struct fk_fwt *t, const char *name, const void *got, uint8_t val, size_t n)
{
    return mem_report(t, name, got, NULL, val, n);
}

uint32_t fk_fwt_end(struct fk_fwt *t)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    fk_sb_init(&sb, line, sizeof line);
    fk_sb_puts(&sb, "END pass=");
    fk_sb_dec(&sb, t->pass);
    fk_sb_puts(&sb, " fail=");
    fk_sb_dec(&sb, t->fail);
    emit(t, &sb);
    return t->fail;
}
