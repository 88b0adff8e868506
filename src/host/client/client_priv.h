/* Internals shared by the client's source files. */
#ifndef FOTAKIT_CLIENT_PRIV_H
#define FOTAKIT_CLIENT_PRIV_H

#include "fotakit/host/client.h"
#include "fotakit/err.h"

#include <cbor.h>

/* One received packet, header decoded. */
struct fk_cl_pkt {
    uint8_t buf[16384];
    int version, op;
    uint16_t len, group;
    uint8_t seq, cmd;
    const uint8_t *payload;
};

size_t fk_cl_hdr(uint8_t *p, int version, int op, uint16_t len, uint16_t group, uint8_t seq,
                 uint8_t cmd);
int fk_cl_send(struct fk_client *c, int op, uint16_t group, uint8_t seq, uint8_t cmd,
               const uint8_t *req, size_t req_len);
/* Receive one packet: its length, 0 on timeout, FK_ECORRUPT for a short one. */
int fk_cl_recv(struct fk_client *c, struct fk_cl_pkt *out, int timeout_ms);
void fk_cl_status(cbor_item_t *root, struct fk_client_status *st);
/* After an SMP v2 group error without a reason (Zephyr's bare {"err"}
 * form): ask a fotakit device for it (FK_CL_GROUP_FOTAKIT) and fill
 * st->rsn when the answer names the same group and command. Other devices
 * answer "not supported"; st is then left as it was. */
/* The wait per attempt for answers that may follow a flash erase: the larger
 * of c->slow_timeout_ms and c->timeout_ms. */
int fk_cl_slow_timeout(const struct fk_client *c);

void fk_cl_fetch_reason(struct fk_client *c, uint16_t group, uint8_t cmd,
                        struct fk_client_status *st);

cbor_item_t *fk_cl_map_get(cbor_item_t *map, const char *key);
bool fk_cl_int(cbor_item_t *it, int64_t *out);
bool fk_cl_map_int(cbor_item_t *map, const char *key, int64_t *out);
bool fk_cl_map_bool(cbor_item_t *map, const char *key, bool *out);
long fk_cl_str(cbor_item_t *it, void *out, size_t cap);
bool fk_cl_map_str(cbor_item_t *map, const char *key, char *out, size_t cap);
void fk_cl_put(cbor_item_t *map, const char *key, cbor_item_t *val);
cbor_item_t *fk_cl_uint(uint64_t v);
int fk_cl_encode(cbor_item_t *item, uint8_t **out, size_t *len);

/* SMP packets reassembled from BLE notifications by the SMP header's
 * length (blesim and BlueZ transports). */
struct fk_cl_reasm {
    uint8_t pkt[65536 + 8];
    size_t have, need;
};
/* Feed one notification's value (counted in tp->rx_wire): the packet's
 * length once it is complete (copied to buf, counted in rx_packets), else
 * 0; a packet that does not fit cap, or notifications running past the
 * header's length, are dropped (tp->dropped). */
int fk_cl_reasm_feed(struct fk_cl_reasm *r, struct fk_client_tp *tp, const uint8_t *v, size_t n, uint8_t *buf,
                     size_t cap);

long long fk_cl_now_ms(void);
double fk_cl_now_s(void);

#endif
