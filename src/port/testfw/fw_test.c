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

/* One verdict line: "ok <name>", or "FAIL <name>: got <g>, want <w>" where
 * g and w are hex numbers (err == 0) or fotakit error names (err == 1). */
static int verdict_line(struct fk_fwt *t, const char *name, int ok, int err, int32_t g, int32_t w)
{
    char line[LINE_MAX];
    struct fk_sb sb;
    fk_sb_init(&sb, line, sizeof line);
    verdict(t, &sb, ok, name);
    if (!ok) {
        fk_sb_puts(&sb, err ? ": got " : ": got 0x");
        err ? fk_sb_puts(&sb, fk_err_name(g)) : fk_sb_hex(&sb, (uint32_t)g, 0);
        fk_sb_puts(&sb, err ? ", want " : ", want 0x");
        err ? fk_sb_puts(&sb, fk_err_name(w)) : fk_sb_hex(&sb, (uint32_t)w, 0);
    }
    emit(t, &sb);
    return ok;
}

int fk_fwt_eq(struct fk_fwt *t, const char *name, uint32_t got, uint32_t want)
{
    return verdict_line(t, name, got == want, 0, (int32_t)got, (int32_t)want);
}

int fk_fwt_rc(struct fk_fwt *t, const char *name, int got, int want)
{
    return verdict_line(t, name, got == want, 1, got, want);
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
