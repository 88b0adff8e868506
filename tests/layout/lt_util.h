/* Helpers shared by the layout tests. */
#ifndef FK_LT_UTIL_H
#define FK_LT_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/host/layout.h"

#define LT_SHARED FOTAKIT_SHARED_DIR "/layouts/"

/* Load ../shared/layouts/<name> into a heap layout / board (tests free). */
static inline struct fk_layout *lt_layout(const char *name)
{
    char path[512], err[768];
    snprintf(path, sizeof path, "%s%s", LT_SHARED, name);
    struct fk_layout *l = calloc(1, sizeof *l);
    assert_non_null(l);
    int rc = fk_layout_load(path, l, err, sizeof err);
    if (rc != 0) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    return l;
}

static inline struct fk_board *lt_board(const char *name)
{
    char path[512], err[768];
    snprintf(path, sizeof path, "%s%s", LT_SHARED, name);
    struct fk_board *b = calloc(1, sizeof *b);
    assert_non_null(b);
    int rc = fk_board_load(path, b, err, sizeof err);
    if (rc != 0) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    return b;
}

/* Number of findings with this severity/rule naming `part` (NULL: any). */
static inline unsigned lt_count(const struct fk_layout_report *r, enum fk_layout_sev sev,
                                enum fk_layout_rule rule, const char *part)
{
    unsigned n = 0;
    for (unsigned i = 0; i < r->count; i++) {
        const struct fk_layout_finding *f = &r->f[i];
        if (f->sev == sev && f->rule == rule &&
            (part == NULL || !strcmp(f->part, part) || !strcmp(f->part2, part))) {
            n++;
        }
    }
    return n;
}

/* The first finding with this rule naming part, or NULL. */
static inline const struct fk_layout_finding *lt_find(const struct fk_layout_report *r,
                                                      enum fk_layout_rule rule, const char *part)
{
    for (unsigned i = 0; i < r->count; i++) {
        const struct fk_layout_finding *f = &r->f[i];
        if (f->rule == rule && (part == NULL || !strcmp(f->part, part) || !strcmp(f->part2, part))) {
            return f;
        }
    }
    return NULL;
}

static inline void lt_dump(const struct fk_layout_report *r)
{
    for (unsigned i = 0; i < r->count; i++) {
        print_message("  [%s] %s\n", fk_layout_rule_name(r->f[i].rule), r->f[i].msg);
    }
}

/* assert that haystack contains needle, printing both if not */
#define assert_has(hay, needle)                                                                   \
    do {                                                                                          \
        if (strstr((hay), (needle)) == NULL) {                                                    \
            print_error("expected '%s' in: %s\n", (needle), (hay));                               \
            fail();                                                                               \
        }                                                                                         \
    } while (0)

#endif
