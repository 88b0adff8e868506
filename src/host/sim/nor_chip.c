/*
 * SPI NOR chip model (default: Macronix MX25R1635F) behind struct fk_spi_bus.
 *
 * Physics: programming only clears bits; a page program wraps within its
 * page (the last page_size bytes sent win); WEL is needed for PP/SE/BE/CE/WRSR
 * and clears when the operation ends; while busy only RDSR answers; in deep
 * power-down only RES (0xAB) is heard, and commands within tRES1 after it are
 * lost; block-protect bits make PP/SE/BE/CE ignore the command.
 *
 * Program/erase contents are applied when the operation ends (lazily, when
 * the chip is next looked at after busy_until). A power cut before that
 * tears the operation. Misuse that silicon would silently ignore (command
 * while busy, write without WEL, write to a protected block, 0->1 program)
 * is also reported through transceive's return value (unless lenient), so a
 * driver or caller bug shows up as an error instead of silent data loss.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/le.h"
#include "sim_internal.h"

/* SFDP space: header, one parameter header, a 16-dword JESD216B BFPT at 0x30. */
static void build_sfdp(struct fk_sim_nor_chip *c, uint32_t size)
{
    uint8_t *s = c->sfdp;
    memset(s, 0xff, sizeof c->sfdp);
    memcpy(s, "SFDP", 4);
    s[4] = 0x06; /* JESD216B: minor 6 */
    s[5] = 0x01;
    s[6] = 0x00; /* NPH: one parameter header */
    s[7] = 0xff;
    /* BFPT parameter header */
    s[8] = 0x00;  /* ID LSB */
    s[9] = 0x06;  /* minor */
    s[10] = 0x01; /* major */
    s[11] = 16;   /* dwords */
    s[12] = 0x30; /* pointer */
    s[13] = 0x00;
    s[14] = 0x00;
    s[15] = 0xff; /* ID MSB */
    uint8_t *b = s + 0x30;
    fk_put_le32(b + 0, 0xfff120e5u);                      /* 4K erase 0x20, 3-byte addr */
    fk_put_le32(b + 4, (uint32_t)((uint64_t)size * 8 - 1)); /* density in bits - 1 */
    fk_put_le32(b + 8, 0x6b08eb44u);
    fk_put_le32(b + 12, 0xbb043b08u);
    fk_put_le32(b + 16, 0xfffffffeu);
    fk_put_le32(b + 20, 0xff00ffffu);
    fk_put_le32(b + 24, 0xeb04ffffu);
    fk_put_le32(b + 28, 0x520f200cu); /* type1 4K/0x20, type2 32K/0x52 */
    fk_put_le32(b + 32, 0x0000d810u); /* type3 64K/0xD8, type4 none */
    fk_put_le32(b + 36, 0x00ff0000u);
    fk_put_le32(b + 40, 0x00000081u | 0u); /* page size 2^8 */
    fk_put_le32(b + 44, 0xffffffffu);
    fk_put_le32(b + 48, 0xffffffffu);
    fk_put_le32(b + 52, 0xffffffffu);
    fk_put_le32(b + 56, 0xffffffffu);
    fk_put_le32(b + 60, 0xffffffffu);
    if (size > 0x1000000) {
        /* Above 16 MiB: "3- or 4-byte addresses", B7h (dword 16 bit 24) and
         * 4-byte opcodes (bit 29), soft reset 66h/99h (bit 12), and a 4BAIT
         * (second parameter header) listing 13h, 0Ch, 12h and 21h/5Ch/DCh. */
        fk_put_le32(b + 0, 0xfff320e5u);
        fk_put_le32(b + 60, 0x21001000u);
        s[6] = 0x01;
        static const uint8_t hdr4[8] = {0x84, 0x00, 0x01, 0x02, 0x70, 0x00, 0x00, 0xff};
        memcpy(s + 16, hdr4, sizeof hdr4);
        fk_put_le32(s + 0x70, 0xfff00e43u); /* bits 0, 1, 6, 9, 10, 11 */
        fk_put_le32(s + 0x74, 0xffdc5c21u);
    }
}

int fk_sim_nor_chip_init(struct fk_sim_nor_chip *c, uint32_t size, const uint8_t id[3],
                         struct fk_sim_clock *clock, struct fk_sim_power *power,
                         struct fk_sim_stats *stats)
{
    static const uint8_t mx25r1635f[3] = {0xc2, 0x28, 0x15};
    memset(c, 0, sizeof *c);
    if (size == 0) {
        size = 0x200000;
    }
    if (size % 0x1000 != 0 || size > 0x10000000) {
        return FK_EINVAL;
    }
    int rc = fk_sim_mem_open(&c->mem, size, NULL);
    if (rc == FK_OK) {
        rc = fk_sim_weak_init(&c->weak, size, 0x1000);
        if (rc != FK_OK) {
            fk_sim_mem_close(&c->mem);
        }
    }
    if (rc != FK_OK) {
        return rc;
    }
    memcpy(c->id, id ? id : mx25r1635f, 3);
    c->page_size = 256;
    c->se_us = FK_SIM_NOR_SE_MS * 1000.0;
    c->be32_us = FK_SIM_NOR_BE32_MS * 1000.0;
    c->be64_us = FK_SIM_NOR_BE64_MS * 1000.0;
    c->ce_us = FK_SIM_NOR_CE_MS_PER_MB * 1000.0 * size / 0x100000;
    c->pp_us = FK_SIM_NOR_PP_MS * 1000.0;
    c->spi_hz = FK_SIM_NOR_SPI_HZ;
    c->wake_us = FK_SIM_NOR_WAKE_US;
    c->clock = clock;
    c->power = power;
    c->stats = stats;
    build_sfdp(c, size);
    return FK_OK;
}

void fk_sim_nor_chip_free(struct fk_sim_nor_chip *c)
{
    fk_sim_nor_chip_cut(c, 1);
    fk_sim_mem_close(&c->mem);
    free(c->scratch);
    c->scratch = NULL;
    fk_sim_weak_free(&c->weak);
}

int fk_sim_nor_chip_weaken(struct fk_sim_nor_chip *c, uint32_t off, uint32_t len)
{
    return fk_sim_weaken(c->power, &c->weak, &c->mem, off, len);
}

static double now(const struct fk_sim_nor_chip *c)
{
    return c->clock ? c->clock->now_us : 0.0;
}

static void apply(struct fk_sim_nor_chip *c, int torn)
{
    uint64_t *rng = c->power ? &c->power->rng : &(uint64_t){0};
    uint8_t *m = c->mem.data;
    if (c->pending == FK_SIM_NOR_PROG) {
        for (uint32_t j = 0; j < c->page_size; j++) {
            uint8_t *p = &m[c->pend_addr + j];
            uint8_t clear = (uint8_t)(*p & ~c->pend_data[j]); /* bits to program */
            if (torn) {
                clear &= (uint8_t)fk_sim_rand(rng); /* a random subset of them */
            }
            /* weakly erased cells lose some of the bits (fotakit/host/sim.h) */
            clear = fk_sim_weak_keep(&c->weak, c->pend_addr + j, clear, c->power, c->stats);
            *p &= (uint8_t)~clear;
        }
    } else if (c->pending == FK_SIM_NOR_ERASE && c->pend_len > 0) {
        if (!torn) {
            memset(m + c->pend_addr, 0xff, c->pend_len);
            fk_sim_weak_heal(&c->weak, c->pend_addr, c->pend_len);
        } else {
            fk_sim_torn_erase(c->power, &c->weak, m, c->pend_addr, c->pend_len, c->stats);
        }
    }
    c->pending = FK_SIM_NOR_IDLE;
    c->sr &= (uint8_t) ~(FK_NOR_SR_WIP | FK_NOR_SR_WEL);
}

/* Finish the operation in progress if its time has come. */
static void settle(struct fk_sim_nor_chip *c)
{
    if (c->pending != FK_SIM_NOR_IDLE && now(c) >= c->busy_until) {
        apply(c, 0);
    }
}

void fk_sim_nor_chip_cut(struct fk_sim_nor_chip *c, int finish)
{
    if (c->pending != FK_SIM_NOR_IDLE) {
        apply(c, !(finish || now(c) >= c->busy_until));
    }
    c->busy_until = now(c);
}

double fk_sim_nor_chip_idle_at(const struct fk_sim_nor_chip *c)
{
    if (c->pending == FK_SIM_NOR_IDLE || c->busy_until > 1e299) {
        return now(c);
    }
    return c->busy_until;
}

void fk_sim_nor_chip_power_on(struct fk_sim_nor_chip *c)
{
    if (c->power != NULL && c->power->weak_late) {
        fk_sim_weak_settle(&c->weak, c->mem.data, c->stats);
    }
    c->pending = FK_SIM_NOR_IDLE;
    c->busy_until = now(c);
    c->sr &= (uint8_t)(FK_NOR_SR_BP_MASK | FK_NOR_SR_SRWD); /* non-volatile bits */
    c->asleep = 0;
    c->rst_enabled = 0;
    c->addr4 = 0;
    c->awake_at = 0;
}

static uint32_t addr24(const uint8_t *tx)
{
    return (uint32_t)tx[1] << 16 | (uint32_t)tx[2] << 8 | tx[3];
}

/* Macronix-style BP: level n protects the top 64 KB << (n - 1) (all at 15). */
static int protected_range(const struct fk_sim_nor_chip *c, uint32_t addr, uint32_t len)
{
    unsigned bp = (c->sr & FK_NOR_SR_BP_MASK) >> 2;
    if (bp == 0) {
        return 0;
    }
    uint64_t plen = bp >= 15 ? c->mem.size : (uint64_t)0x10000 << (bp - 1);
    if (plen > c->mem.size) {
        plen = c->mem.size;
    }
    uint64_t pstart = c->mem.size - plen;
    return (uint64_t)addr + len > pstart;
}

/* Start a program/erase: tear hook, timing, stats. A torn one cuts the power. */
static int start_op(struct fk_sim_nor_chip *c, double dur_us)
{
    int t = fk_sim_phys_begin(c->power);
    if (t == 1) {
        apply(c, 1);
        fk_sim_cut_now(c->power);
        return FK_EIO; /* reached only outside fk_sim_power_run */
    }
    c->sr |= FK_NOR_SR_WIP;
    c->busy_until = c->stuck_busy ? 1e300 : now(c) + dur_us;
    /* The chip's busy time runs in parallel: plain sum only. */
    fk_sim_charge(c->clock, c->stats, 0, dur_us);
    return FK_OK;
}

/* The 3-byte opcode a 4-byte one stands for (0: not a 4-byte opcode). */
static uint8_t op4_to_3(uint8_t op)
{
    switch (op) {
    case FK_NOR_OP_READ4: return FK_NOR_OP_READ;
    case FK_NOR_OP_FAST_READ4: return FK_NOR_OP_FAST_READ;
    case FK_NOR_OP_PP4: return FK_NOR_OP_PP;
    case FK_NOR_OP_SE4: return FK_NOR_OP_SE;
    case FK_NOR_OP_BE32_4: return FK_NOR_OP_BE32;
    case FK_NOR_OP_BE64_4: return FK_NOR_OP_BE64;
    default: return 0;
    }
}

static uint32_t addr_of(const struct fk_sim_nor_chip *c, const uint8_t *tx)
{
    return (uint32_t)c->addr_hi << 24 | addr24(tx);
}

/* tx is the transceive scratch copy: a 4-byte command is rewritten in place. */
static int do_command(struct fk_sim_nor_chip *c, uint8_t *tx, uint8_t *rx, size_t n,
                      double start)
{
    struct fk_sim_stats *st = c->stats;
    uint8_t op = tx[0];
    uint8_t *m = c->mem.data;
    uint32_t size = (uint32_t)c->mem.size;
    int busy = c->pending != FK_SIM_NOR_IDLE;

    if (op != FK_NOR_OP_RST) {
        c->rst_enabled = 0;
    }
    if (c->asleep) {
        if (op == FK_NOR_OP_RES) {
            c->asleep = 0;
            c->awake_at = now(c) + c->wake_us;
        }
        return FK_OK; /* everything else is not heard */
    }
    if (start < c->awake_at) {
        return fk_sim_violation(st, c->lenient, FK_EBUSY); /* within tRES1: lost */
    }
    if (busy && op == FK_NOR_OP_RDID) {
        /* As silicon does: a busy chip does not decode RDID, and what comes
         * back is not its ID (here: the status register, WIP set). No error
         * on the bus: a driver must check WIP first (counted as misuse). */
        for (size_t i = 1; i < n; i++) {
            rx[i] = c->sr;
        }
        if (st) {
            st->violations++;
            st->last_violation = FK_EBUSY;
        }
        return FK_OK;
    }
    if (busy && op != FK_NOR_OP_RDSR && op != FK_NOR_OP_RSTEN && op != FK_NOR_OP_RST) {
        if (st) {
            st->cmd_other++;
        }
        return fk_sim_violation(st, c->lenient, FK_EBUSY);
    }
    /* 4-byte addresses: the dedicated opcodes always, the usual ones in
     * 4-byte mode (B7h). Folded into the 3-byte form: the top address byte
     * goes to addr_hi and the command starts one byte later. */
    c->addr_hi = 0;
    uint8_t op3 = op4_to_3(op);
    if ((op3 != 0 || (c->addr4 && (op == FK_NOR_OP_READ || op == FK_NOR_OP_FAST_READ ||
                                   op == FK_NOR_OP_PP || op == FK_NOR_OP_SE ||
                                   op == FK_NOR_OP_BE32 || op == FK_NOR_OP_BE64))) &&
        n >= 5) {
        c->addr_hi = tx[1];
        tx[1] = op3 != 0 ? op3 : op;
        tx++;
        rx++;
        n--;
        op = tx[0];
    }
    switch (op) {
    case FK_NOR_OP_RDSR:
        if (st) {
            st->cmd_rdsr++;
        }
        for (size_t i = 1; i < n; i++) {
            rx[i] = c->sr;
        }
        return FK_OK;
    case FK_NOR_OP_RDID:
        for (size_t i = 1; i < n; i++) {
            rx[i] = i <= 3 ? c->id[i - 1] : 0xff;
        }
        break;
    case FK_NOR_OP_WREN:
        c->sr |= FK_NOR_SR_WEL;
        break;
    case FK_NOR_OP_WRDI:
        c->sr &= (uint8_t)~FK_NOR_SR_WEL;
        break;
    case FK_NOR_OP_READ:
    case FK_NOR_OP_FAST_READ: {
        size_t hdr = op == FK_NOR_OP_READ ? 4 : 5;
        if (n < hdr) {
            break;
        }
        uint32_t a = addr_of(c, tx) % size;
        for (size_t i = hdr; i < n; i++) {
            rx[i] = m[(a + (i - hdr)) % size]; /* reads wrap at the chip's end */
        }
        if (st) {
            st->cmd_read++;
        }
        break;
    }
    case FK_NOR_OP_RDSFDP:
        if (n < 5) {
            break;
        }
        for (size_t i = 5; i < n; i++) {
            uint32_t a = addr24(tx) + (uint32_t)(i - 5);
            rx[i] = a < sizeof c->sfdp ? c->sfdp[a] : 0xff;
        }
        break;
    case FK_NOR_OP_PP: {
        if (n < 5) {
            break;
        }
        if (st) {
            st->cmd_pp++;
        }
        if (!(c->sr & FK_NOR_SR_WEL)) {
            return fk_sim_violation(st, c->lenient, FK_EIO); /* PP without WREN: ignored */
        }
        uint32_t a = addr_of(c, tx) % size;
        uint32_t base = a - a % c->page_size;
        if (protected_range(c, base, c->page_size)) {
            c->sr &= (uint8_t)~FK_NOR_SR_WEL;
            return fk_sim_violation(st, c->lenient, FK_EPROTECT);
        }
        memset(c->pend_data, 0xff, sizeof c->pend_data);
        for (size_t i = 4; i < n; i++) {
            /* Wraps within the page; with more than a page sent, the last win. */
            c->pend_data[(a - base + (i - 4)) % c->page_size] = tx[i];
        }
        int bad = 0;
        /* Only the bytes sent count: the rest of the page keeps its contents
         * (pend_data holds 0xff there, which programs nothing). */
        uint32_t sent = (uint32_t)(n - 4) < c->page_size ? (uint32_t)(n - 4) : c->page_size;
        for (uint32_t k = 0; k < sent; k++) {
            uint32_t j = (a - base + k) % c->page_size;
            bad |= (c->pend_data[j] & (uint8_t)~m[base + j]) != 0;
        }
        if (bad) {
            int rc = fk_sim_violation(st, c->lenient, FK_ENOTERASED);
            if (rc != FK_OK) {
                c->sr &= (uint8_t)~FK_NOR_SR_WEL;
                return rc; /* strict: chip left unchanged */
            }
        }
        c->pending = FK_SIM_NOR_PROG;
        c->pend_addr = base;
        c->pend_len = c->page_size;
        return start_op(c, c->pp_us);
    }
    case FK_NOR_OP_SE:
    case FK_NOR_OP_BE32:
    case FK_NOR_OP_BE64:
    case FK_NOR_OP_CE:
    case 0x60: { /* CE alternative opcode */
        uint32_t unit = op == FK_NOR_OP_SE     ? 0x1000
                        : op == FK_NOR_OP_BE32 ? 0x8000
                        : op == FK_NOR_OP_BE64 ? 0x10000
                                               : size;
        double dur = op == FK_NOR_OP_SE     ? c->se_us
                     : op == FK_NOR_OP_BE32 ? c->be32_us
                     : op == FK_NOR_OP_BE64 ? c->be64_us
                                            : c->ce_us;
        if (unit != size && n < 4) {
            break;
        }
        if (st) {
            if (op == FK_NOR_OP_SE) {
                st->cmd_se++;
            } else if (op == FK_NOR_OP_BE32) {
                st->cmd_be32++;
            } else if (op == FK_NOR_OP_BE64) {
                st->cmd_be64++;
            } else {
                st->cmd_ce++;
            }
        }
        if (!(c->sr & FK_NOR_SR_WEL)) {
            return fk_sim_violation(st, c->lenient, FK_EIO);
        }
        uint32_t a = unit == size ? 0 : (addr_of(c, tx) % size) & ~(unit - 1);
        if (protected_range(c, a, unit)) {
            c->sr &= (uint8_t)~FK_NOR_SR_WEL;
            return fk_sim_violation(st, c->lenient, FK_EPROTECT);
        }
        c->pending = FK_SIM_NOR_ERASE;
        c->pend_addr = a;
        c->pend_len = unit;
        fk_sim_count_erase(st, a, unit);
        return start_op(c, dur);
    }
    case FK_NOR_OP_WRSR:
        if (n < 2) {
            break;
        }
        if (!(c->sr & FK_NOR_SR_WEL)) {
            return fk_sim_violation(st, c->lenient, FK_EIO);
        }
        if (c->wp_low && (c->sr & FK_NOR_SR_SRWD)) {
            /* hardware protected: silicon ignores the write, says nothing */
            c->sr &= (uint8_t)~FK_NOR_SR_WEL;
            return FK_OK;
        }
        c->sr = (uint8_t)((c->sr & (FK_NOR_SR_WIP | FK_NOR_SR_WEL)) |
                          (tx[1] & (FK_NOR_SR_BP_MASK | FK_NOR_SR_SRWD | 0x40)));
        c->pending = FK_SIM_NOR_ERASE; /* a status write: busy, no array change */
        c->pend_addr = 0;
        c->pend_len = 0;
        c->sr |= FK_NOR_SR_WIP;
        c->busy_until = now(c) + 1000.0; /* tW: 1 ms */
        fk_sim_charge(c->clock, st, 0, 1000.0);
        return FK_OK;
    case FK_NOR_OP_DP:
        c->asleep = 1;
        break;
    case FK_NOR_OP_RES:
        for (size_t i = 4; i < n; i++) {
            rx[i] = 0x14; /* electronic signature */
        }
        break;
    case FK_NOR_OP_RSTEN:
        c->rst_enabled = 1;
        return FK_OK;
    case FK_NOR_OP_EN4B:
        c->addr4 = c->mem.size > 0x1000000u; /* 3-byte-only chips ignore it */
        break;
    case FK_NOR_OP_EX4B:
        c->addr4 = 0;
        break;
    case FK_NOR_OP_RST:
        if (c->rst_enabled) {
            /* A reset aborts an operation in progress: it is torn. */
            if (c->pending != FK_SIM_NOR_IDLE) {
                apply(c, now(c) < c->busy_until);
            }
            c->busy_until = now(c);
            c->sr &= (uint8_t)(FK_NOR_SR_BP_MASK | FK_NOR_SR_SRWD);
            c->rst_enabled = 0;
            c->addr4 = 0;
        }
        return FK_OK;
    default:
        break;
    }
    if (st) {
        st->cmd_other += op != FK_NOR_OP_READ && op != FK_NOR_OP_FAST_READ;
    }
    return FK_OK;
}

static int chip_transceive(void *ctx, const struct fk_spi_xfer *x, size_t nx)
{
    struct fk_sim_nor_chip *c = ctx;
    if (c->power != NULL && c->power->off) {
        return fk_sim_no_power(c->power);
    }
    size_t n = 0;
    for (size_t i = 0; i < nx; i++) {
        n += x[i].len;
    }
    if (n == 0) {
        return FK_OK;
    }
    if (c->scratch_len < 2 * n) {
        uint8_t *p = realloc(c->scratch, 2 * n);
        if (p == NULL) {
            return FK_ENOMEM;
        }
        c->scratch = p;
        c->scratch_len = 2 * n;
    }
    uint8_t *tx = c->scratch, *rx = c->scratch + n;
    size_t o = 0;
    for (size_t i = 0; i < nx; i++) {
        if (x[i].tx != NULL) {
            memcpy(tx + o, x[i].tx, x[i].len);
        } else {
            memset(tx + o, 0xff, x[i].len);
        }
        o += x[i].len;
    }
    memset(rx, 0xff, n); /* MISO idles high */

    /* The command is decoded against the chip's state when CS falls; its
     * effect (and any internal operation) starts when CS rises. */
    settle(c);
    double start = now(c);
    double t = (double)n * 8.0 * 1e6 / (double)c->spi_hz;
    /* SPI transfers take CPU time and count in the plain sum, except status
     * polls while the chip is busy: that is waiting, already covered by the
     * chip's busy time (so the sum does not depend on the poll interval). */
    int waiting = tx[0] == FK_NOR_OP_RDSR && c->pending != FK_SIM_NOR_IDLE;
    fk_sim_charge(c->clock, c->stats, t, waiting ? 0 : t);
    if (c->stats != NULL && !waiting) {
        c->stats->xfer_us += t;
    }
    int rc = c->absent ? FK_OK : do_command(c, tx, rx, n, start);
    o = 0;
    for (size_t i = 0; i < nx; i++) {
        if (x[i].rx != NULL) {
            memcpy(x[i].rx, rx + o, x[i].len);
        }
        o += x[i].len;
    }
    return rc;
}

static void chip_delay(void *ctx, uint32_t us)
{
    struct fk_sim_nor_chip *c = ctx;
    if (c->clock == NULL) {
        return;
    }
    double now_us = c->clock->now_us;
    double target = now_us + us;
    if (c->pending != FK_SIM_NOR_IDLE) {
        /* A poll wait. Modeled as fine-grained polling: it ends as soon as
         * the chip is idle, so coarse poll intervals do not distort the
         * timeline; the wait is covered by the chip's busy time (not added
         * to the plain sum). */
        double end = c->busy_until > now_us ? c->busy_until : now_us;
        if (end < target) {
            target = end;
        }
    } else {
        /* Waiting on an idle chip (wake-up, reset recovery) is dead time
         * that belongs to the operation: it counts in the plain sum too. */
        c->clock->sum_us += us;
        if (c->stats != NULL) {
            c->stats->busy_us += us;
        }
    }
    c->clock->now_us = target;
}

void fk_sim_nor_chip_bus(struct fk_sim_nor_chip *c, struct fk_spi_bus *bus)
{
    bus->transceive = chip_transceive;
    bus->delay_us = chip_delay;
    bus->ctx = c;
}
