#include "layout_priv.h"
int fk_layout_write_header(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                           const char *layout_name, const char *board_name)
{ (void)out; (void)l; (void)b; (void)layout_name; (void)board_name; return FK_ENOTSUP; }
