/* libFuzzer: the board-file loader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fotakit/host/layout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fk_board b;
    char err[512];
    fk_board_load_mem("fuzz.board.yml", data, size, &b, err, sizeof err);
    return 0;
}
