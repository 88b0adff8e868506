/* libFuzzer: the pm_static.yml loader, then every check rule and the
 * report against the seed board (loaded once from ../shared). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fotakit/host/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fk_board board;
static int have_board;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fk_layout l;
    static struct fk_layout_report r;
    char err[512];
    if (!have_board) {
        have_board = fk_board_load(FOTAKIT_SHARED_DIR "/layouts/nrf5340-spi-nor-2mb.board.yml", &board,
                                   err, sizeof err) == 0 ? 1 : -1;
    }
    if (fk_layout_load_mem("fuzz.yml", data, size, &l, err, sizeof err) != 0 || have_board < 0) {
        return 0;
    }
    fk_layout_check(&l, &board, "seed", -1, &r);
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        fk_layout_print_report(out, &l, &board, "seed", &r);
        fclose(out);
    }
    return 0;
}
