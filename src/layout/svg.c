#include "layout_priv.h"
int fk_layout_write_svg(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                        const struct fk_layout_report *r)
{ (void)out; (void)l; (void)b; (void)r; return FK_ENOTSUP; }
