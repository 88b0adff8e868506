/* Shared between the simulation's files (host only). */
#ifndef FOTAKIT_SIM_INTERNAL_H
#define FOTAKIT_SIM_INTERNAL_H

#include "fotakit/host/sim.h"

/* splitmix64 */
uint64_t fk_sim_rand(uint64_t *state);

/* A model is about to perform one physical program/erase. With the power
 * off: fk_sim_no_power. Returns 1 when this operation is the one to tear,
 * else 0. */
int fk_sim_phys_begin(struct fk_sim_power *p);
/* A torn erase of m[0, len): a mix of old and erased bytes, in random runs
 * (drawn from *rng, so a seeded sweep repeats). */
void fk_sim_tear_erase(uint8_t *m, uint32_t len, uint64_t *rng);
/* Weakly erased cells (fotakit/host/sim.h "Weakly erased cells"). */
int fk_sim_weak_init(struct fk_sim_weak *w, uint32_t size, uint32_t sector);
void fk_sim_weak_free(struct fk_sim_weak *w);
/* A torn erase of mem[off, off+len): the kind model (old-or-0xff runs) or
 * the honest one (all 0xff or runs, and weak), per p->kind_erase. */
void fk_sim_torn_erase(struct fk_sim_power *p, struct fk_sim_weak *w, uint8_t *mem, uint32_t off,
                       uint32_t len, struct fk_sim_stats *st);
/* A complete erase of [off, off+len): its whole sectors are sound again. */
void fk_sim_weak_heal(struct fk_sim_weak *w, uint32_t off, uint32_t len);
/* A program of byte `addr` asks to clear bits `clear`: the bits it keeps
 * (all of them for a sound byte, or with weak_late until the settle). */
uint8_t fk_sim_weak_keep(struct fk_sim_weak *w, uint32_t addr, uint8_t clear,
                         const struct fk_sim_power *p, struct fk_sim_stats *st);
/* weak_late: every weak byte of mem now reads value | mask. */
void fk_sim_weak_settle(struct fk_sim_weak *w, uint8_t *mem, struct fk_sim_stats *st);
/* Test helper: mem[off, off+len) reads 0xff and is weak (FK_ERANGE). */
int fk_sim_weaken(struct fk_sim_power *p, struct fk_sim_weak *w, struct fk_sim_mem *m,
                  uint32_t off, uint32_t len);
uint32_t fk_sim_weak_count(const struct fk_sim_weak *w, uint32_t off, uint32_t len);

/* An operation on a device without power: unwinds to fk_sim_power_run when
 * inside one, else returns FK_EIO (the device does not answer). */
int fk_sim_no_power(struct fk_sim_power *p);
/* Power goes off now (after a model tore its operation, or by request). */
void fk_sim_cut_now(struct fk_sim_power *p);  /* unwinds inside fk_sim_power_run */

/* Charge an operation: `cpu` advances the CPU timeline, `sum` the plain sum. */
void fk_sim_charge(struct fk_sim_clock *c, struct fk_sim_stats *st, double cpu_us,
                   double sum_us);
/* A physics violation: counts it; returns `code` (strict) or 0 (lenient). */
int fk_sim_violation(struct fk_sim_stats *st, int lenient, int code);
/* Count erasure of [addr, addr+len) in the per-sector counters. */
void fk_sim_count_erase(struct fk_sim_stats *st, uint32_t addr, uint32_t len);
int fk_sim_stats_alloc(struct fk_sim_stats *st, uint32_t size, uint32_t sector);
void fk_sim_stats_free(struct fk_sim_stats *st);

/* Backing store: path NULL → RAM. New files are created erased (0xff). */
int fk_sim_mem_open(struct fk_sim_mem *m, size_t size, const char *path);
void fk_sim_mem_close(struct fk_sim_mem *m);

/* NOR chip: the operation in progress at a power cut is torn (or finished if
 * its time has passed); also used by free(). */
void fk_sim_nor_chip_cut(struct fk_sim_nor_chip *chip, int finish);
double fk_sim_nor_chip_idle_at(const struct fk_sim_nor_chip *chip);

#endif
