/* Internal helpers shared by the checker, header generator and SVG writer. */
#ifndef FK_LAYOUT_PRIV_H
#define FK_LAYOUT_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "fotakit/host/layout.h"

/* Slot geometry the strategy table and the header share. */
struct fk_slots {
    int p, s, sc;           /* partition index of primary/secondary/scratch, or -1 */
    int pd, sd;             /* board device index of the two slots, or -1 */
    uint32_t sector;        /* larger erase size of the two slot devices */
    uint32_t align;         /* larger write size of the two slot devices */
};
void fk_layout_slots(const struct fk_layout *l, const struct fk_board *b, struct fk_slots *s);

/* Fill r->strat from the slots. */
void fk_layout_strategies(const struct fk_layout *l, const struct fk_board *b,
                          struct fk_layout_report *r);

/* True if partition i lies inside a span container (member of a span, or
 * inside the address range of another container on the same region). */
int fk_layout_inside_container(const struct fk_layout *l, unsigned i);

/* Human size: "0xe8000 (928 KiB)" style into buf. */
const char *fk_layout_fmt_size(char *buf, size_t len, uint64_t size);

/* Partition indices sorted by device (board order), address, size (desc). */
void fk_layout_sorted(const struct fk_layout *l, const struct fk_board *b, int *idx);

#endif
