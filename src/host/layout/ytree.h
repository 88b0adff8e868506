/*
 * A small, bounded YAML document tree built from libyaml events (internal to
 * the layout component). Aliases are not copied: an alias node points at the
 * anchored node, and the loader tracks how many nodes the document would
 * have if every alias were expanded, refusing documents beyond a bound (the
 * "billion laughs" bomb) and aliases to an anchor still being built (a
 * self-referencing alias). Nesting depth and node count are bounded too.
 */
#ifndef FK_LAYOUT_YTREE_H
#define FK_LAYOUT_YTREE_H

#include <stddef.h>

enum yt_type { YT_SCALAR, YT_SEQ, YT_MAP };

struct yt_node {
    enum yt_type type;
    unsigned line, col;   /* 1-based */
    char *text;           /* scalar value (NUL-terminated), NULL otherwise */
    size_t text_len;
    int plain;            /* scalar was written without quotes */
    int *kids;            /* SEQ: items; MAP: key, value, key, value ... (node indices) */
    size_t nkids, capkids;
};

#define YT_MAX_NODES 20000
#define YT_MAX_DEPTH 16
#define YT_MAX_EXPANDED 100000UL /* nodes after expanding every alias */
#define YT_MAX_ANCHORS 1000

struct ytree {
    struct yt_node *n;
    size_t count, cap;
    int root; /* -1: empty document */
};

/* Parse buf into t. On error returns a negative fk_err (FK_ELAYOUT_SYNTAX or
 * FK_ELAYOUT_LIMIT) and writes "name:line:col: what" into err. */
int yt_load(struct ytree *t, const char *name, const void *buf, size_t len, char *err,
            size_t errlen);
void yt_free(struct ytree *t);

/* Read a whole file (bounded by FK_LAYOUT_MAX_FILE) into a malloc'd buffer. */
int yt_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);

/* Mapping lookup: value node index for key, or -1. */
int yt_map_get(const struct ytree *t, int map, const char *key);

/* Parse a YAML integer as fotakit reads it: hex 0x.. or decimal, 0..0xffffffff.
 * Returns 0 on success. */
int yt_u32(const struct yt_node *n, unsigned long long max, unsigned long long *out);
/* A number that may have a fraction (timings): returns 0 on success. */
int yt_double(const struct yt_node *n, double *out);

/* Human description of a node for messages: "a mapping", "a list", "'text'". */
const char *yt_kind(const struct yt_node *n);

#endif
