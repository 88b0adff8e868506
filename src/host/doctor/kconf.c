/*
 * .config reader: exactly the lines Kconfig writes (docs/doctor.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor_priv.h"

static int kerr(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int kerr(char *err, size_t errlen, const char *name, unsigned line, const char *fmt, ...)
{
    if (errlen) {
        int n = line ? snprintf(err, errlen, "%s:%u: ", name, line)
                     : snprintf(err, errlen, "%s: ", name);
        if (n >= 0 && (size_t)n < errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return FK_EINVAL;
}

/* Up to len-4 characters of s[0..n) for a message; others as '?'; "..." if cut. */
static void printable(char *out, size_t len, const char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 4 < len; i++) {
        out[j++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
    }
    if (j + 4 >= len && n > j) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = '\0';
}

static int ident(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static int cmp_sym(const void *a, const void *b)
{
    return strcmp(((const struct fk_kc_sym *)a)->name, ((const struct fk_kc_sym *)b)->name);
}

void fk_doctor_kconfig_free(struct fk_kconfig *k)
{
    for (size_t i = 0; i < k->count; i++) {
        free(k->sym[i].name);
        free(k->sym[i].value);
    }
    free(k->sym);
    k->sym = NULL;
    k->count = 0;
}

/* Unescape a Kconfig string value s[0..n) that starts after the opening
 * quote; returns malloc'd text or NULL (with *why) when it does not close
 * exactly at the end of the line. */
static char *unquote(const char *s, size_t n, const char **why)
{
    char *o = malloc(n + 1);
    if (!o) {
        *why = "out of memory";
        return NULL;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            o[j++] = s[++i];
        } else if (s[i] == '"') {
            if (i + 1 != n) {
                *why = "text after the closing quote";
                free(o);
                return NULL;
            }
            o[j] = '\0';
            return o;
        } else {
            o[j++] = s[i];
        }
    }
    *why = "the string has no closing quote (is the file truncated?)";
    free(o);
    return NULL;
}

/* Classify and store one value. */
static int set_value(struct fk_kc_sym *s, const char *v, size_t n, const char **why)
{
    if (n == 1 && (v[0] == 'y' || v[0] == 'm')) {
        s->type = FK_KC_BOOL;
    } else if (n == 1 && v[0] == 'n') {
        s->type = FK_KC_NOT_SET;
    } else if (n > 0 && v[0] == '"') {
        s->type = FK_KC_STRING;
        s->value = unquote(v + 1, n - 1, why);
        return s->value ? 0 : -1;
    } else if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
        char *end;
        errno = 0;
        unsigned long long x = strtoull(v + 2, &end, 16);
        if (errno || end != v + n || n > 18) {
            *why = "not a hex number";
            return -1;
        }
        s->type = FK_KC_HEX;
        s->num = (long long)x;
    } else if (n > 0 && ((v[0] >= '0' && v[0] <= '9') || (v[0] == '-' && n > 1))) {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end != v + n) {
            *why = "not a number, a quoted string, y, m or n";
            return -1;
        }
        s->type = FK_KC_INT;
        s->num = x;
    } else {
        *why = "not y, m, n, a quoted string or a number";
        return -1;
    }
    s->value = malloc(n + 1);
    if (!s->value) {
        *why = "out of memory";
        return -1;
    }
    memcpy(s->value, v, n);
    s->value[n] = '\0';
    return 0;
}

/* Name after the prefix, validated; returns its length or 0. */
static size_t sym_name(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && ident(p[i])) {
        i++;
    }
    return i;
}

static int add_sym(struct fk_kconfig *k, size_t *cap, const char *name, size_t nl, unsigned line,
                   struct fk_kc_sym **out)
{
    if (k->count == *cap) {
        size_t nc = *cap ? *cap * 2 : 512;
        struct fk_kc_sym *ns = realloc(k->sym, nc * sizeof *ns);
        if (!ns) {
            return -1;
        }
        k->sym = ns;
        *cap = nc;
    }
    struct fk_kc_sym *s = &k->sym[k->count];
    memset(s, 0, sizeof *s);
    s->name = malloc(nl + 1);
    if (!s->name) {
        return -1;
    }
    memcpy(s->name, name, nl);
    s->name[nl] = '\0';
    s->line = line;
    k->count++;
    *out = s;
    return 0;
}

/* Which prefix a line uses: 1 CONFIG_, 2 SB_CONFIG_, 0 neither. */
static int prefix_of(const char *p, size_t n, size_t *plen)
{
    if (n >= 10 && memcmp(p, "SB_CONFIG_", 10) == 0) {
        *plen = 10;
        return 2;
    }
    if (n >= 7 && memcmp(p, "CONFIG_", 7) == 0) {
        *plen = 7;
        return 1;
    }
    return 0;
}

static int parse(const char *name, const char *b, size_t len, struct fk_kconfig *k, char *err,
                 size_t errlen)
{
    size_t cap = 0;
    int prefix = 0;
    unsigned line = 0;
    if (len == 0) {
        return kerr(err, errlen, name, 0,
                    "the file is empty: a Kconfig .config has CONFIG_ lines; rebuild the image "
                    "(west build) to regenerate it");
    }
    if (memchr(b, '\0', len)) {
        return kerr(err, errlen, name, 0, "binary data (a NUL byte): not a Kconfig .config");
    }
    if (b[len - 1] != '\n') {
        unsigned lines = 1;
        for (size_t i = 0; i < len; i++) {
            lines += b[i] == '\n';
        }
        return kerr(err, errlen, name, lines,
                    "the last line has no newline: the file is truncated (Kconfig ends every "
                    "line); rebuild the image to regenerate it");
    }
    size_t pos = 0;
    while (pos < len) {
        const char *l = b + pos;
        const char *nl = memchr(l, '\n', len - pos);
        size_t n = (size_t)(nl - l);
        pos += n + 1;
        line++;
        if (n && l[n - 1] == '\r') {
            n--;
        }
        if (n == 0) {
            continue;
        }
        size_t plen = 0;
        const char *why = NULL;
        if (l[0] == '#') {
            /* "# CONFIG_X is not set" or a comment */
            static const char tail[] = " is not set";
            size_t tl = sizeof tail - 1;
            if (n > 2 && l[1] == ' ' && prefix_of(l + 2, n - 2, &plen) && n > 2 + plen + tl &&
                memcmp(l + n - tl, tail, tl) == 0) {
                int pf = prefix_of(l + 2, n - 2, &plen);
                const char *nm = l + 2 + plen;
                size_t nml = n - 2 - plen - tl;
                if (sym_name(nm, nml) == nml) {
                    if (prefix && pf != prefix) {
                        return kerr(err, errlen, name, line,
                                    "mixes CONFIG_ and SB_CONFIG_ lines: not one Kconfig .config");
                    }
                    prefix = pf;
                    struct fk_kc_sym *s;
                    if (add_sym(k, &cap, nm, nml, line, &s) < 0 || !(s->value = strdup(""))) {
                        return kerr(err, errlen, name, line, "out of memory");
                    }
                    s->type = FK_KC_NOT_SET;
                }
            }
            continue;
        }
        int pf = prefix_of(l, n, &plen);
        if (!pf) {
            char shown[48];
            printable(shown, sizeof shown, l, n);
            return kerr(err, errlen, name, line,
                        "'%s' is not a Kconfig line (CONFIG_NAME=value, a comment, or "
                        "'# CONFIG_NAME is not set'): is this a .config?",
                        shown);
        }
        if (prefix && pf != prefix) {
            return kerr(err, errlen, name, line,
                        "mixes CONFIG_ and SB_CONFIG_ lines: not one Kconfig .config");
        }
        prefix = pf;
        const char *nm = l + plen;
        size_t nml = sym_name(nm, n - plen);
        if (nml == 0 || plen + nml >= n || nm[nml] != '=') {
            char shown[48];
            printable(shown, sizeof shown, l, n);
            return kerr(err, errlen, name, line,
                        "'%s' has no '=' after the symbol name: not a Kconfig line (is the "
                        "file truncated or edited?)",
                        shown);
        }
        struct fk_kc_sym *s;
        if (add_sym(k, &cap, nm, nml, line, &s) < 0) {
            return kerr(err, errlen, name, line, "out of memory");
        }
        const char *v = nm + nml + 1;
        size_t vl = n - plen - nml - 1;
        if (set_value(s, v, vl, &why) < 0) {
            char shown[48];
            printable(shown, sizeof shown, v, vl);
            return kerr(err, errlen, name, line, "CONFIG_%s: value '%s': %s", s->name, shown, why);
        }
    }
    if (k->count == 0) {
        return kerr(err, errlen, name, 0,
                    "no CONFIG_ lines (only comments): not a Kconfig .config; rebuild the image");
    }
    k->sysbuild = prefix == 2;
    qsort(k->sym, k->count, sizeof *k->sym, cmp_sym);
    for (size_t i = 1; i < k->count; i++) {
        if (strcmp(k->sym[i].name, k->sym[i - 1].name) == 0) {
            unsigned a = k->sym[i - 1].line, c = k->sym[i].line;
            return kerr(err, errlen, name, a > c ? a : c,
                        "%sCONFIG_%s is set twice (also line %u): Kconfig writes each symbol "
                        "once; the file was edited by hand",
                        k->sysbuild ? "SB_" : "", k->sym[i].name, a > c ? c : a);
        }
    }
    return FK_OK;
}

int fk_doctor_kconfig_parse(const char *name, const void *buf, size_t len,
                            struct fk_kconfig *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    name = name ? name : "<.config>";
    snprintf(out->path, sizeof out->path, "%s", name);
    if (len > FK_DOC_MAX_FILE) {
        return kerr(err, errlen, name, 0, "%zu bytes: larger than fotakit reads (%u)", len,
                    FK_DOC_MAX_FILE);
    }
    int rc = parse(name, buf, len, out, err, errlen);
    if (rc < 0) {
        fk_doctor_kconfig_free(out);
    }
    return rc;
}

int fk_doctor_kconfig_load(const char *path, struct fk_kconfig *out, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    int rc = fk_doc_read_file(path, &buf, &len, err, errlen);
    if (rc < 0) {
        return rc;
    }
    rc = fk_doctor_kconfig_parse(path, buf, len, out, err, errlen);
    free(buf);
    return rc;
}

const struct fk_kc_sym *fk_kconfig_get(const struct fk_kconfig *k, const char *name)
{
    if (!k || !k->sym) {
        return NULL;
    }
    struct fk_kc_sym key = {.name = (char *)name};
    return bsearch(&key, k->sym, k->count, sizeof *k->sym, cmp_sym);
}

bool fk_kconfig_y(const struct fk_kconfig *k, const char *name)
{
    const struct fk_kc_sym *s = fk_kconfig_get(k, name);
    return s && s->type == FK_KC_BOOL;
}
