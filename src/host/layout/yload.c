#include "yload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/err.h"

int yerr(const struct yctx *c, int code, int node, const char *fmt, ...)
{
    if (c->err == NULL || c->errlen == 0) {
        return code;
    }
    unsigned line = 1, col = 1;
    if (node >= 0) {
        line = c->t->n[node].line;
        col = c->t->n[node].col;
    }
    int n = snprintf(c->err, c->errlen, "%s:%u:%u: ", c->name, line, col);
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

int yname(const struct yctx *c, int node, char *dst, size_t len, int ident, const char *what)
{
    const struct yt_node *n = &c->t->n[node];
    if (n->type != YT_SCALAR) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node, "%s: expected a name, found %s", what,
                    yt_kind(n));
    }
    if (n->text_len == 0) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node, "%s: empty name", what);
    }
    if (n->text_len >= len) {
        return yerr(c, FK_ELAYOUT_LIMIT, node, "%s: '%.40s...' is longer than %zu characters",
                    what, n->text, len - 1);
    }
    for (size_t i = 0; i < n->text_len; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '_';
        if (!ident) {
            ok = ok || ch == '-' || ch == '(' || ch == ')' || ch == ',' || ch == '.' ||
                 ch == '/' || ch == '@' || ch == ' ';
        }
        if (!ok) {
            return yerr(c, FK_ELAYOUT_SYNTAX, node,
                        "%s: '%s' contains '%c'; use only letters, digits and '_'%s", what,
                        n->text, ch >= 0x20 && ch < 0x7f ? ch : '?',
                        ident ? " (it becomes a C identifier)" : " and - ( ) , . / @");
        }
    }
    memcpy(dst, n->text, n->text_len + 1);
    return 0;
}

int yu32(const struct yctx *c, int node, uint32_t *out, const char *what)
{
    const struct yt_node *n = &c->t->n[node];
    if (n->type != YT_SCALAR) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node, "%s: expected a number, found %s", what,
                    yt_kind(n));
    }
    unsigned long long v;
    int rc = yt_u32(n, 0xffffffffULL, &v);
    if (rc == -2) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node,
                    "%s: '%.24s%s' is larger than 0xffffffff (32-bit flash offsets)", what,
                    n->text, n->text_len > 24 ? "..." : "");
    }
    if (rc != 0) {
        if (n->text_len > 0 && n->text[0] == '-') {
            return yerr(c, FK_ELAYOUT_SYNTAX, node,
                        "%s: '%.24s' is negative; offsets and sizes are 0 .. 0xffffffff", what,
                        n->text);
        }
        return yerr(c, FK_ELAYOUT_SYNTAX, node,
                    "%s: '%.24s%s' is not a number (write hex 0x... or decimal)", what, n->text,
                    n->text_len > 24 ? "..." : "");
    }
    *out = (uint32_t)v;
    return 0;
}

int yopen_file(struct ytree *t, const char *path, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc = yt_read_file(path, &buf, &len, err, errlen);
    if (rc < 0) {
        memset(t, 0, sizeof *t);
        t->root = -1;
        return rc;
    }
    rc = yt_load(t, path, buf, len, err, errlen);
    free(buf);
    return rc;
}

int ymap_keys(const struct yctx *c, int map, const char *owner, const char *expect)
{
    const struct ytree *t = c->t;
    const struct yt_node *v = &t->n[map];
    if (v->type != YT_MAP) {
        return yerr(c, FK_ELAYOUT_SYNTAX, map, "%s: expected %s, found %s", owner, expect,
                    yt_kind(v));
    }
    for (size_t i = 0; i + 1 < v->nkids; i += 2) {
        int kn = v->kids[i];
        const struct yt_node *k = &t->n[kn];
        if (k->type != YT_SCALAR) {
            return yerr(c, FK_ELAYOUT_SYNTAX, kn, "%s: a key must be a name, found %s", owner,
                        yt_kind(k));
        }
        /* Maps are small (a dozen keys): quadratic is fine and needs no memory. */
        for (size_t j = 0; j < i; j += 2) {
            const struct yt_node *pk = &t->n[v->kids[j]];
            if (pk->type == YT_SCALAR && strcmp(pk->text, k->text) == 0) {
                return yerr(c, FK_ELAYOUT_SYNTAX, kn, "%s: key '%s' appears twice (first at line %u)",
                            owner, k->text, pk->line);
            }
        }
    }
    return FK_OK;
}
