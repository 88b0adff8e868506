/* SMP packets reassembled from BLE notifications by their header length,
 * for the blesim and BlueZ transports. */
#include "client_priv.h"

#include <string.h>

int fk_cl_reasm_feed(struct fk_cl_reasm *r, struct fk_client_tp *tp, const uint8_t *v, size_t n, uint8_t *buf,
                     size_t cap)
{
    tp->rx_wire += n;
    if (r->have + n > sizeof r->pkt) {
        r->have = r->need = 0; /* cannot be an SMP packet: resync */
        tp->dropped++;
        return 0;
    }
    memcpy(r->pkt + r->have, v, n);
    r->have += n;
    if (!r->need && r->have >= 8) {
        r->need = 8 + ((size_t)r->pkt[2] << 8 | r->pkt[3]);
    }
    if (!r->need || r->have < r->need) {
        return 0;
    }
    size_t len = r->need;
    bool fits = len <= cap && r->have == len;
    if (fits) {
        memcpy(buf, r->pkt, len);
    }
    r->have = r->need = 0;
    if (!fits) {
        tp->dropped++; /* too big, or notifications ran past the header's length */
        return 0;
    }
    tp->rx_packets++;
    return (int)len;
}
