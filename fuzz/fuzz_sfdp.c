/* libFuzzer: the SFDP parser (whole SFDP space, and a BFPT alone). */
#include <stddef.h>
#include <stdint.h>

#include "fotakit/nor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fk_nor_sfdp s;
    if (fk_nor_sfdp_parse_ex(data, size, &s) == FK_OK) {
        /* what a driver relies on */
        if (s.size == 0 || s.erase[0].size == 0 || (s.page_size & (s.page_size - 1)) != 0) {
            __builtin_trap();
        }
    }
    fk_nor_bfpt_parse(data, (uint32_t)(size / 4), &s);
    return 0;
}
