/* Shared helpers of the layout and board loaders (internal). */
#ifndef FK_LAYOUT_YLOAD_H
#define FK_LAYOUT_YLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "ytree.h"

struct yctx {
    const struct ytree *t;
    const char *name; /* file name for messages */
    char *err;
    size_t errlen;
};

/* Write "name:line:col: <fmt>" for node (or 1:1 if node < 0); returns code. */
int yerr(const struct yctx *c, int code, int node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copy a scalar node into dst[len] as a name: non-empty, fits, and (if ident)
 * only [A-Za-z0-9_]. `what` describes it for messages. */
int yname(const struct yctx *c, int node, char *dst, size_t len, int ident, const char *what);

/* Check that node `map` is a mapping whose keys are distinct names. `owner`
 * ("device 'x'") and `expect` ("a mapping (kind, size, ...)") shape the
 * messages. FK_OK or FK_ELAYOUT_SYNTAX with the message in c->err. */
int ymap_keys(const struct yctx *c, int map, const char *owner, const char *expect);

/* u32 value of node; `what` = "partition 'app', key 'size'" for messages. */
int yu32(const struct yctx *c, int node, uint32_t *out, const char *what);

/* Load a file or buffer into a tree (size bound, NUL check). */
int yopen_file(struct ytree *t, const char *path, char *err, size_t errlen);

#endif
