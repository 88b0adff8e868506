/*
 * Bounded YAML tree from libyaml events. See ytree.h for the guarantees.
 */
#include "ytree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "fotakit/err.h"
#include "fotakit/host/layout.h"

struct anchor {
    char *name;
    int node;
    int complete; /* 0 while the anchored container is still open */
};

struct builder {
    struct ytree *t;
    unsigned long long *exp; /* expanded size per node */
    size_t expcap;
    struct anchor *anchors;
    size_t nanchors;
    int stack[YT_MAX_DEPTH + 1];
    int depth;
    const char *name;
    char *err;
    size_t errlen;
};

static int fail(struct builder *b, int code, unsigned line, unsigned col, const char *fmt, ...)
{
    if (b->err != NULL && b->errlen > 0) {
        int n = snprintf(b->err, b->errlen, "%s:%u:%u: ", b->name, line, col);
        if (n < 0) {
            n = 0;
        }
        if ((size_t)n < b->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

static int new_node(struct builder *b, enum yt_type type, const yaml_mark_t *m)
{
    struct ytree *t = b->t;
    if (t->count >= YT_MAX_NODES) {
        return fail(b, FK_ELAYOUT_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                    "more than %d YAML nodes; a layout or board file is far smaller than this",
                    YT_MAX_NODES);
    }
    if (t->count == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        struct yt_node *nn = realloc(t->n, nc * sizeof *nn);
        unsigned long long *ne = realloc(b->exp, nc * sizeof *ne);
        if (nn == NULL || ne == NULL) {
            /* keep whichever succeeded so that it is freed */
            if (nn != NULL) {
                t->n = nn;
            }
            if (ne != NULL) {
                b->exp = ne;
            }
            return fail(b, FK_ENOMEM, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "out of memory");
        }
        t->n = nn;
        b->exp = ne;
        t->cap = nc;
        b->expcap = nc;
    }
    struct yt_node *n = &t->n[t->count];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->line = (unsigned)m->line + 1;
    n->col = (unsigned)m->column + 1;
    b->exp[t->count] = 1;
    return (int)t->count++;
}

static int add_kid(struct builder *b, int parent, int kid, const yaml_mark_t *m)
{
    struct yt_node *p = &b->t->n[parent];
    if (p->nkids == p->capkids) {
        size_t nc = p->capkids ? p->capkids * 2 : 8;
        int *nk = realloc(p->kids, nc * sizeof *nk);
        if (nk == NULL) {
            return fail(b, FK_ENOMEM, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "out of memory");
        }
        p->kids = nk;
        p->capkids = nc;
    }
    p->kids[p->nkids++] = kid;
    /* Saturating sum: the expanded size of the parent grows by the kid's. */
    unsigned long long e = b->exp[parent] + b->exp[kid];
    b->exp[parent] = e > YT_MAX_EXPANDED + 1 ? YT_MAX_EXPANDED + 1 : e;
    if (b->exp[parent] > YT_MAX_EXPANDED) {
        return fail(b, FK_ELAYOUT_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                    "expanding the aliases here would make more than %lu YAML nodes "
                    "(an alias bomb?); write the values out or use fewer aliases",
                    YT_MAX_EXPANDED);
    }
    return 0;
}

static int attach(struct builder *b, int node, const yaml_mark_t *m)
{
    if (b->depth == 0) {
        if (b->t->root >= 0) {
            return fail(b, FK_ELAYOUT_SYNTAX, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "more than one top-level node");
        }
        b->t->root = node;
        return 0;
    }
    return add_kid(b, b->stack[b->depth - 1], node, m);
}

static int add_anchor(struct builder *b, const yaml_char_t *anchor, int node, int complete,
                      const yaml_mark_t *m)
{
    if (anchor == NULL) {
        return 0;
    }
    if (b->nanchors >= YT_MAX_ANCHORS) {
        return fail(b, FK_ELAYOUT_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                    "more than %d anchors", YT_MAX_ANCHORS);
    }
    if (b->nanchors % 16 == 0) {
        struct anchor *na = realloc(b->anchors, (b->nanchors + 16) * sizeof *na);
        if (na == NULL) {
            return fail(b, FK_ENOMEM, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "out of memory");
        }
        b->anchors = na;
    }
    char *nm = strdup((const char *)anchor);
    if (nm == NULL) {
        return fail(b, FK_ENOMEM, (unsigned)m->line + 1, (unsigned)m->column + 1, "out of memory");
    }
    b->anchors[b->nanchors].name = nm;
    b->anchors[b->nanchors].node = node;
    b->anchors[b->nanchors].complete = complete;
    b->nanchors++;
    return 0;
}

/* Latest definition wins, as YAML says an alias refers to the most recent anchor. */
static struct anchor *find_anchor(struct builder *b, const char *name)
{
    for (size_t i = b->nanchors; i-- > 0;) {
        if (strcmp(b->anchors[i].name, name) == 0) {
            return &b->anchors[i];
        }
    }
    return NULL;
}

static void complete_anchor_of(struct builder *b, int node)
{
    for (size_t i = 0; i < b->nanchors; i++) {
        if (b->anchors[i].node == node) {
            b->anchors[i].complete = 1;
        }
    }
}

static int on_event(struct builder *b, yaml_event_t *ev, int *done)
{
    const yaml_mark_t *m = &ev->start_mark;
    int rc, node;
    switch (ev->type) {
    case YAML_STREAM_START_EVENT:
    case YAML_DOCUMENT_END_EVENT:
        return 0;
    case YAML_DOCUMENT_START_EVENT:
        if (b->t->root >= 0) {
            return fail(b, FK_ELAYOUT_SYNTAX, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "a second YAML document ('---'); the file must hold exactly one");
        }
        return 0;
    case YAML_STREAM_END_EVENT:
        *done = 1;
        return 0;
    case YAML_ALIAS_EVENT: {
        struct anchor *a = find_anchor(b, (const char *)ev->data.alias.anchor);
        if (a == NULL) {
            return fail(b, FK_ELAYOUT_SYNTAX, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "alias *%s refers to no anchor &%s defined before it",
                        ev->data.alias.anchor, ev->data.alias.anchor);
        }
        if (!a->complete) {
            return fail(b, FK_ELAYOUT_SYNTAX, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "alias *%s is used inside the node its anchor &%s names "
                        "(a self-referencing alias, which would be infinite)",
                        a->name, a->name);
        }
        return attach(b, a->node, m);
    }
    case YAML_SCALAR_EVENT:
        node = new_node(b, YT_SCALAR, m);
        if (node < 0) {
            return node;
        }
        b->t->n[node].text = malloc(ev->data.scalar.length + 1);
        if (b->t->n[node].text == NULL) {
            return fail(b, FK_ENOMEM, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "out of memory");
        }
        memcpy(b->t->n[node].text, ev->data.scalar.value, ev->data.scalar.length);
        b->t->n[node].text[ev->data.scalar.length] = '\0';
        b->t->n[node].text_len = ev->data.scalar.length;
        b->t->n[node].plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if ((rc = add_anchor(b, ev->data.scalar.anchor, node, 1, m)) < 0) {
            return rc;
        }
        return attach(b, node, m);
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT:
        if (b->depth >= YT_MAX_DEPTH) {
            return fail(b, FK_ELAYOUT_LIMIT, (unsigned)m->line + 1, (unsigned)m->column + 1,
                        "nesting deeper than %d levels; layout and board files need 3",
                        YT_MAX_DEPTH);
        }
        node = new_node(b, ev->type == YAML_SEQUENCE_START_EVENT ? YT_SEQ : YT_MAP, m);
        if (node < 0) {
            return node;
        }
        rc = add_anchor(b,
                        ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                                                              : ev->data.mapping_start.anchor,
                        node, 0, m);
        if (rc < 0) {
            return rc;
        }
        b->stack[b->depth++] = node;
        return 0;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        node = b->stack[--b->depth];
        complete_anchor_of(b, node);
        /* Attach only now, so the parent's expanded size includes this one's;
         * messages point at where the container started. */
        {
            yaml_mark_t mk = {0, b->t->n[node].line - 1, b->t->n[node].col - 1};
            return attach(b, node, &mk);
        }
    default:
        return 0;
    }
}

int yt_load(struct ytree *t, const char *name, const void *buf, size_t len, char *err,
            size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->root = -1;
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    struct builder b = {.t = t, .name = name, .err = err, .errlen = errlen};
    if (len > FK_LAYOUT_MAX_FILE) {
        return fail(&b, FK_ELAYOUT_LIMIT, 1, 1,
                    "%zu bytes; fotakit reads layout and board files up to %u bytes", len,
                    FK_LAYOUT_MAX_FILE);
    }
    if (memchr(buf, '\0', len) != NULL) {
        return fail(&b, FK_ELAYOUT_SYNTAX, 1, 1, "contains NUL bytes: not a YAML text file");
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        return fail(&b, FK_ENOMEM, 1, 1, "cannot initialise the YAML parser");
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    int rc = 0, done = 0;
    while (!done && rc == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            const yaml_mark_t *m = &p.problem_mark;
            rc = fail(&b, FK_ELAYOUT_SYNTAX, (unsigned)m->line + 1, (unsigned)m->column + 1,
                      "not valid YAML: %s%s%s", p.problem ? p.problem : "parse error",
                      p.context ? " " : "", p.context ? p.context : "");
            break;
        }
        rc = on_event(&b, &ev, &done);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    /* The open containers were never attached: they are in t->n and freed there. */
    for (size_t i = 0; i < b.nanchors; i++) {
        free(b.anchors[i].name);
    }
    free(b.anchors);
    free(b.exp);
    if (rc < 0) {
        yt_free(t);
    }
    return rc;
}

void yt_free(struct ytree *t)
{
    for (size_t i = 0; i < t->count; i++) {
        free(t->n[i].text);
        free(t->n[i].kids);
    }
    free(t->n);
    memset(t, 0, sizeof *t);
    t->root = -1;
}

int yt_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return FK_EIO;
    }
    /* Read at most MAX+1 bytes: one more than allowed proves the file is too big
     * without reading all of it. */
    size_t cap = FK_LAYOUT_MAX_FILE + 1;
    char *b = malloc(cap);
    if (b == NULL) {
        fclose(f);
        snprintf(err, errlen, "%s: out of memory", path);
        return FK_ENOMEM;
    }
    size_t n = fread(b, 1, cap, f);
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(b);
        snprintf(err, errlen, "%s: read error", path);
        return FK_EIO;
    }
    if (n > FK_LAYOUT_MAX_FILE) {
        free(b);
        snprintf(err, errlen,
                 "%s: larger than %u bytes; layout and board files are a few KB, is this the "
                 "right file?",
                 path, FK_LAYOUT_MAX_FILE);
        return FK_ELAYOUT_LIMIT;
    }
    *buf = b;
    *len = n;
    return 0;
}

int yt_map_get(const struct ytree *t, int map, const char *key)
{
    const struct yt_node *m = &t->n[map];
    if (m->type != YT_MAP) {
        return -1;
    }
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const struct yt_node *k = &t->n[m->kids[i]];
        if (k->type == YT_SCALAR && strcmp(k->text, key) == 0) {
            return m->kids[i + 1];
        }
    }
    return -1;
}

int yt_u32(const struct yt_node *n, unsigned long long max, unsigned long long *out)
{
    if (n->type != YT_SCALAR || n->text_len == 0) {
        return -1;
    }
    const char *s = n->text;
    unsigned long long v = 0;
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (*s == '\0') {
            return -1;
        }
    }
    for (; *s; s++) {
        int d;
        if (*s >= '0' && *s <= '9') {
            d = *s - '0';
        } else if (base == 16 && *s >= 'a' && *s <= 'f') {
            d = *s - 'a' + 10;
        } else if (base == 16 && *s >= 'A' && *s <= 'F') {
            d = *s - 'A' + 10;
        } else {
            return -1;
        }
        v = v * (unsigned)base + (unsigned)d;
        if (v > max) {
            return -2;
        }
    }
    *out = v;
    return 0;
}

int yt_double(const struct yt_node *n, double *out)
{
    if (n->type != YT_SCALAR || n->text_len == 0 || n->text_len > 32) {
        return -1;
    }
    unsigned long long u;
    if (yt_u32(n, 0xffffffffULL, &u) == 0) {
        *out = (double)u;
        return 0;
    }
    char *end = NULL;
    errno = 0;
    double d = strtod(n->text, &end);
    if (errno != 0 || end == n->text || *end != '\0' || !(d >= 0.0) || d > 1e9) {
        return -1;
    }
    *out = d;
    return 0;
}

const char *yt_kind(const struct yt_node *n)
{
    switch (n->type) {
    case YT_SEQ:
        return "a list";
    case YT_MAP:
        return "a mapping";
    default:
        return "a scalar";
    }
}
