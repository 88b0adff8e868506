/* libFuzzer: the SMP serial console decoder, fed in pieces whose sizes come
 * from the input's first byte (as reads from a UART arrive). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fotakit/smp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[2100];
    struct fk_smp_serial_dec d;
    if (size < 1) {
        return 0;
    }
    size_t piece = 1 + data[0] % 64;
    data++;
    size--;
    fk_smp_serial_dec_init(&d, buf, sizeof buf);
    size_t pos = 0;
    while (pos < size) {
        size_t n = size - pos < piece ? size - pos : piece;
        size_t off = 0;
        while (off < n) {
            size_t used = 0;
            const uint8_t *pkt = NULL;
            int rc = fk_smp_serial_dec_feed(&d, data + pos + off, n - off, &used, &pkt);
            if (used > n - off) {
                __builtin_trap();
            }
            off += used;
            if (rc > 0) {
                /* a whole packet inside the caller's buffer */
                if (pkt == NULL || pkt < buf || pkt + rc > buf + sizeof buf) {
                    __builtin_trap();
                }
            } else if (rc == 0 && used == 0) {
                break;
            }
        }
        pos += n;
    }
    return 0;
}
