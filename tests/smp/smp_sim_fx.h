/* The SMP server on a layout over the simulated chips (fotakit/host/sim.h):
 * a fixture for tests/smp's sim tests (test_smp_sim.c, test_smp_weak.c).
 * The primary holds a factory-programmed v1 (100,000-byte payload); the
 * layout and board default to the seed (nrf5340-spi-nor-2mb). */
#ifndef SMP_SIM_FX_H
#define SMP_SIM_FX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/host/layout.h"
#include "fotakit/host/sim.h"
#include "fotakit/smp.h"
#include "smp_test_util.h"

#define LAYOUTS FOTAKIT_SHARED_DIR "/layouts/"

struct simfx {
    struct fk_layout layout;
    struct fk_board board;
    struct fk_sim_board sb;
    struct fk_flash_area *areas;
    struct fk_flash_map map;
    struct fk_smp_config cfg;
    struct fk_smp_server srv;
    const struct fk_flash_area *pri;
    uint8_t *pri_mem;
    uint8_t *pri_copy; /* the primary as it must stay (simfx_free checks) */
    /* Bits the models counted as lost in weak cells that are no fault of
     * the code: under power.weak_late, a torn erase's own leftover old
     * bytes decay at the power restore's settle (set by the tests that
     * know no weak cell existed before the cut). */
    uint64_t lost_base;
};

/* Layout and board files for the next simfx_new (default: the seed). */
extern const char *g_layout;
extern const char *g_board;

struct simfx *simfx_new(void);
/* Physics violations of every chip so far. */
uint64_t violations(struct simfx *f);
/* Bits lost in weak cells on every chip so far, less lost_base. */
uint64_t lost_bits(struct simfx *f);
/* Checks: no violation, no bit lost in a weakly erased cell, the primary
 * as pri_copy; then frees. */
void simfx_free(struct simfx *f);
/* One upload chunk; returns the answered off, or -1 (group code in *grc);
 * *match: the final answer's match (1/0), else -1. */
int64_t chunk(struct simfx *f, const uint8_t *img, size_t len, const uint8_t *sha, uint32_t off,
              uint32_t n, int *grc, int *match);
/* Client loop (1900-byte chunks); 1/0 = final match, -1000 = a flash error
 * answer. *resumed_at (may be NULL): where the first answer resumed (0: from
 * the start). */
int upload(struct simfx *f, const uint8_t *img, size_t len, uint32_t *resumed_at);
/* A request with a CBOR payload (NULL: empty map); the answer parsed into
 * *r (rsp_free it). */
void simfx_req(struct simfx *f, int op, uint8_t id, const uint8_t *payload, size_t plen,
               struct rsp *r);
/* The secondary area. */
const struct fk_flash_area *simfx_sec(struct simfx *f);

#endif
