/*
 * A simulated board: every device of a struct fk_board built as chip model +
 * real driver, wrapped in a device that enforces power cuts, counts stats and
 * places torn operations. See fotakit/sim.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_internal.h"

/* ---- presets (the shared board files' figures) ------------------------- */

static void preset_internal(struct fk_board_dev *d, double erase_ms, double word_us)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "flash_primary");
    d->kind = FK_KIND_INTERNAL;
    d->size = 0x100000;
    d->erase_size = 0x1000;
    d->write_size = 4;
    d->erase_ms = erase_ms;
    d->write_us_per_word = word_us;
}

static void preset_nor(struct fk_board_dev *d, const char *bus)
{
    memset(d, 0, sizeof *d);
    snprintf(d->name, sizeof d->name, "external_flash");
    d->kind = FK_KIND_SPI_NOR;
    snprintf(d->bus, sizeof d->bus, "%s", bus);
    snprintf(d->chosen, sizeof d->chosen, "nordic_pm_ext_flash");
    d->size = 0x200000;
    d->erase_size = 0x1000;
    d->write_size = 1;
    d->page_size = 256;
    d->jedec_id[0] = 0xc2;
    d->jedec_id[1] = 0x28;
    d->jedec_id[2] = 0x15;
    d->has_jedec_id = 1;
    d->sector_erase_ms = 40;
    d->page_program_ms = 0.85;
    d->spi_hz = 8000000;
}

int fk_sim_board_preset(struct fk_board *b, const char *name)
{
    if (b == NULL || name == NULL) {
        return FK_EINVAL;
    }
    memset(b, 0, sizeof *b);
    if (strcmp(name, "nrf5340-spi-nor-2mb") == 0) {
        preset_internal(&b->dev[0], 87.5, 43);
        preset_nor(&b->dev[1], "spi4");
        b->count = 2;
    } else if (strcmp(name, "nrf52840-spi-nor-2mb") == 0) {
        preset_internal(&b->dev[0], 85, 41);
        preset_nor(&b->dev[1], "spi2");
        b->count = 2;
    } else if (strcmp(name, "nrf52840") == 0) {
        preset_internal(&b->dev[0], 85, 41);
        b->count = 1;
    } else if (strcmp(name, "nrf5340-no-ext-flash") == 0) {
        preset_internal(&b->dev[0], 87.5, 43);
        b->count = 1;
    } else {
        return FK_ENOENT;
    }
    return FK_OK;
}

/* ---- the wrapping device ---------------------------------------------- */

static void copy_why(struct fk_sim_dev *sd)
{
    memcpy(sd->dev.why, sd->drv->why, sizeof sd->dev.why);
}

/* Physical operations (pages/words/sectors) a call will perform, so a torn
 * call tears one of them. */
static uint32_t phys_ops(struct fk_sim_dev *sd, int erase, uint32_t off, const void *buf,
                         size_t len)
{
    if (sd->kind == FK_KIND_INTERNAL) {
        if (erase) {
            return (uint32_t)(len / sd->ichip.page_size);
        }
        uint32_t n = 0;
        const uint8_t *p = buf;
        for (size_t i = 0; i + 4 <= len; i += 4) {
            uint32_t w;
            memcpy(&w, p + i, 4);
            n += w != 0xffffffffu; /* the driver skips all-ones words */
        }
        return n;
    }
    if (erase) {
        return fk_nor_erase_cmds(&sd->nor, off, len);
    }
    uint32_t ps = sd->nor.page_size;
    return len == 0 ? 0 : (uint32_t)((off + len - 1) / ps - off / ps + 1);
}

/* Count the call; cut or arm a tear if it is the chosen one. */
static int power_gate(struct fk_sim_dev *sd, int erase, uint32_t off, const void *buf, size_t len)
{
    struct fk_sim_power *p = &sd->board->power;
    if (p->off) {
        return fk_sim_no_power(p);
    }
    p->count++;
    if (p->cut_at == 0 || p->count != p->cut_at || p->mode == FK_SIM_CUT_NONE) {
        return FK_OK;
    }
    uint32_t m = p->mode == FK_SIM_CUT_TEAR ? phys_ops(sd, erase, off, buf, len) : 0;
    if (m == 0) {
        fk_sim_cut_now(p);
        return FK_EIO; /* reached only outside fk_sim_power_run */
    }
    p->tear_armed = 1;
    p->tear_after = (uint32_t)(fk_sim_rand(&p->rng) % m);
    return FK_OK;
}

static int power_after(struct fk_sim_dev *sd, int rc)
{
    struct fk_sim_power *p = &sd->board->power;
    if (p->tear_armed) {
        /* The call did fewer operations than planned: cut at its end. */
        p->tear_armed = 0;
        fk_sim_cut_now(p);
    }
    if (p->off) {
        return fk_sim_no_power(p);
    }
    if (rc != FK_OK) {
        copy_why(sd);
    }
    return rc;
}

static int w_read(struct fk_flash_dev *dev, uint32_t off, void *buf, size_t len)
{
    struct fk_sim_dev *sd = dev->ctx;
    if (sd->board->power.off) {
        return fk_sim_no_power(&sd->board->power);
    }
    sd->stats.read_calls++;
    sd->stats.read_bytes += len;
    return power_after(sd, sd->drv->ops->read(sd->drv, off, buf, len));
}

static int w_prog(struct fk_flash_dev *dev, uint32_t off, const void *buf, size_t len)
{
    struct fk_sim_dev *sd = dev->ctx;
    int rc = power_gate(sd, 0, off, buf, len);
    if (rc != FK_OK) {
        return rc;
    }
    sd->stats.prog_calls++;
    sd->stats.prog_bytes += len;
    if (sd->fault_count > 0 && sd->fault_len > 0 && off < sd->fault_off + sd->fault_len &&
        sd->fault_off < off + len) {
        /* the fault knob: the bytes in the range do not take (0xff programs nothing) */
        uint8_t *copy = malloc(len);
        if (copy == NULL) {
            return FK_ENOMEM;
        }
        memcpy(copy, buf, len);
        uint32_t a = sd->fault_off > off ? sd->fault_off - off : 0;
        uint32_t b = sd->fault_off + sd->fault_len - off;
        memset(copy + a, 0xff, (b < len ? b : len) - a);
        if (sd->fault_count != UINT32_MAX) {
            sd->fault_count--;
        }
        rc = power_after(sd, sd->drv->ops->prog(sd->drv, off, copy, len));
        free(copy);
        return rc;
    }
    return power_after(sd, sd->drv->ops->prog(sd->drv, off, buf, len));
}

static int w_erase(struct fk_flash_dev *dev, uint32_t off, size_t len)
{
    struct fk_sim_dev *sd = dev->ctx;
    int rc = power_gate(sd, 1, off, NULL, len);
    if (rc != FK_OK) {
        return rc;
    }
    sd->stats.erase_calls++;
    sd->stats.erase_bytes += len;
    return power_after(sd, sd->drv->ops->erase(sd->drv, off, len));
}

static int w_sync(struct fk_flash_dev *dev)
{
    struct fk_sim_dev *sd = dev->ctx;
    if (sd->board->power.off) {
        return fk_sim_no_power(&sd->board->power);
    }
    if (sd->drv->ops->sync == NULL) {
        return FK_OK;
    }
    return power_after(sd, sd->drv->ops->sync(sd->drv));
}

static const struct fk_flash_ops sim_ops = {
    .read = w_read,
    .prog = w_prog,
    .erase = w_erase,
    .sync = w_sync,
};

/* ---- board ------------------------------------------------------------ */

static void board_cut_hook(void *ctx)
{
    struct fk_sim_board *sb = ctx;
    for (unsigned i = 0; i < sb->count; i++) {
        if (sb->dev[i]->kind != FK_KIND_INTERNAL) {
            fk_sim_nor_chip_cut(&sb->dev[i]->nchip, 0);
        }
    }
}

static void dev_free(struct fk_sim_dev *sd)
{
    if (sd == NULL) {
        return;
    }
    if (sd->kind == FK_KIND_INTERNAL) {
        fk_sim_nvmc_chip_free(&sd->ichip);
    } else {
        fk_sim_nor_chip_free(&sd->nchip);
    }
    fk_sim_stats_free(&sd->stats);
    free(sd);
}

static int state_path(char *buf, size_t n, const char *dir, const char *name)
{
    int w = snprintf(buf, n, "%s/%s.bin", dir, name);
    return w > 0 && (size_t)w < n ? FK_OK : FK_EINVAL;
}

static int build_internal(struct fk_sim_board *sb, struct fk_sim_dev *sd,
                          const struct fk_board_dev *bd, const struct fk_sim_opts *o)
{
    uint32_t size = bd->size ? bd->size : 0x100000;
    uint32_t page = bd->erase_size ? bd->erase_size : 0x1000;
    int rc = fk_sim_stats_alloc(&sd->stats, size, page);
    if (rc == FK_OK) {
        rc = fk_sim_nvmc_chip_init(&sd->ichip, size, page, &sb->clock, &sb->power, &sd->stats);
    }
    if (rc != FK_OK) {
        return rc;
    }
    if (o->state_dir != NULL) {
        char path[512];
        fk_sim_mem_close(&sd->ichip.mem);
        rc = state_path(path, sizeof path, o->state_dir, sd->name);
        if (rc == FK_OK) {
            rc = fk_sim_mem_open(&sd->ichip.mem, size, path);
        }
        if (rc != FK_OK) {
            return rc;
        }
    }
    if (bd->erase_ms > 0) {
        sd->ichip.erase_us = bd->erase_ms * 1000.0;
    }
    if (bd->write_us_per_word > 0) {
        sd->ichip.word_us = bd->write_us_per_word;
    }
    sd->ichip.lenient = o->lenient;
    fk_sim_nvmc_chip_port(&sd->ichip, &sd->port);
    snprintf(sd->desc, sizeof sd->desc, "internal NVMC");
    struct fk_nvmc_cfg cfg = {
        .size = size,
        .page_size = page,
        .write_size = bd->write_size ? bd->write_size : 4,
        .name = sd->name,
        .desc = sd->desc,
    };
    if (cfg.write_size % 4 != 0) {
        return FK_EINVAL;
    }
    fk_nvmc_init(&sd->nvmc, &sd->port, &cfg);
    sd->drv = &sd->nvmc.dev;
    return FK_OK;
}

static int build_nor(struct fk_sim_board *sb, struct fk_sim_dev *sd, const struct fk_board_dev *bd,
                     const struct fk_sim_opts *o, int absent)
{
    uint32_t size = bd->size ? bd->size : 0x200000;
    int rc = fk_sim_stats_alloc(&sd->stats, size, 0x1000);
    if (rc == FK_OK) {
        rc = fk_sim_nor_chip_init(&sd->nchip, size, bd->has_jedec_id ? bd->jedec_id : NULL,
                                  &sb->clock, &sb->power, &sd->stats);
    }
    if (rc != FK_OK) {
        return rc;
    }
    if (o->state_dir != NULL) {
        char path[512];
        fk_sim_mem_close(&sd->nchip.mem);
        rc = state_path(path, sizeof path, o->state_dir, sd->name);
        if (rc == FK_OK) {
            rc = fk_sim_mem_open(&sd->nchip.mem, size, path);
        }
        if (rc != FK_OK) {
            return rc;
        }
    }
    struct fk_sim_nor_chip *c = &sd->nchip;
    if (bd->sector_erase_ms > 0) {
        /* Block erases keep the MX25R1635F's ratios to the sector erase. */
        c->se_us = bd->sector_erase_ms * 1000.0;
        c->be32_us = c->se_us * (FK_SIM_NOR_BE32_MS / FK_SIM_NOR_SE_MS);
        c->be64_us = c->se_us * (FK_SIM_NOR_BE64_MS / FK_SIM_NOR_SE_MS);
    }
    if (bd->block32_erase_ms > 0) {
        c->be32_us = bd->block32_erase_ms * 1000.0;
    }
    if (bd->block64_erase_ms > 0) {
        c->be64_us = bd->block64_erase_ms * 1000.0;
    }
    if (bd->page_program_ms > 0) {
        c->pp_us = bd->page_program_ms * 1000.0;
    }
    if (bd->spi_hz > 0) {
        c->spi_hz = bd->spi_hz;
    }
    if (bd->page_size > 0 && bd->page_size <= sizeof c->pend_data &&
        (bd->page_size & (bd->page_size - 1)) == 0) {
        c->page_size = bd->page_size;
    }
    c->absent = (uint8_t)absent;
    c->lenient = o->lenient;
    fk_sim_nor_chip_bus(c, &sd->bus);
    const char *kind = bd->kind == FK_KIND_QSPI_NOR ? "qspi-nor" : "spi-nor";
    if (bd->bus[0]) {
        snprintf(sd->desc, sizeof sd->desc, "%s on %s", kind, bd->bus);
    } else {
        snprintf(sd->desc, sizeof sd->desc, "%s", kind);
    }
    struct fk_nor_cfg cfg = {
        .check_id = bd->has_jedec_id,
        .size = bd->size,
        .erase_size = bd->erase_size,
        .page_size = bd->page_size,
        .write_size = bd->write_size ? bd->write_size : 1,
        .clear_protect = o->nor_clear_protect,
        .name = sd->name,
        .desc = sd->desc,
    };
    memcpy(cfg.jedec_id, bd->jedec_id, 3);
    fk_nor_init(&sd->nor, &sd->bus, &cfg); /* failure: state/why set, not an error here */
    sd->drv = &sd->nor.dev;
    return FK_OK;
}

int fk_sim_board_build(struct fk_sim_board *sb, const struct fk_board *board,
                       const struct fk_sim_opts *opts)
{
    static const struct fk_sim_opts none;
    const struct fk_sim_opts *o = opts ? opts : &none;
    if (sb == NULL || board == NULL || board->count > FK_BOARD_MAX_DEVS) {
        return FK_EINVAL;
    }
    memset(sb, 0, sizeof *sb);
    if (o->state_dir != NULL && mkdir(o->state_dir, 0755) != 0 && errno != EEXIST) {
        return FK_EIO; /* the state directory cannot be created */
    }
    sb->board = *board;
    sb->power.cut_hook = board_cut_hook;
    sb->power.cut_ctx = sb;
    int rc = FK_OK;
    for (unsigned i = 0; i < board->count && rc == FK_OK; i++) {
        const struct fk_board_dev *bd = &board->dev[i];
        if (bd->name[0] == '\0' || memchr(bd->name, '\0', sizeof bd->name) == NULL) {
            rc = FK_EINVAL;
            break;
        }
        struct fk_sim_dev *sd = calloc(1, sizeof *sd);
        if (sd == NULL) {
            rc = FK_ENOMEM;
            break;
        }
        sb->dev[sb->count++] = sd;
        sd->board = sb;
        sd->kind = bd->kind;
        memcpy(sd->name, bd->name, sizeof sd->name);
        if (bd->kind == FK_KIND_INTERNAL) {
            rc = build_internal(sb, sd, bd, o);
        } else {
            rc = build_nor(sb, sd, bd, o, (o->absent_mask >> i) & 1u);
        }
        if (rc != FK_OK) {
            break;
        }
        struct fk_flash_dev *d = sd->drv;
        sd->dev = *d;
        sd->dev.ops = &sim_ops;
        sd->dev.ctx = sd;
        if (sd->dev.size == 0) {
            sd->dev.size = bd->size;
        }
        if (sd->dev.erase_size == 0) {
            sd->dev.erase_size = bd->erase_size;
        }
        if (o->force_write_size) {
            rc = fk_sim_dev_force_write_size(&sd->dev, o->force_write_size);
        }
    }
    if (rc != FK_OK) {
        fk_sim_board_free(sb);
        return rc;
    }
    /* Probing took bus time: start the run from zero. */
    fk_sim_board_reset_stats(sb);
    return FK_OK;
}

void fk_sim_board_free(struct fk_sim_board *sb)
{
    if (sb == NULL) {
        return;
    }
    for (unsigned i = 0; i < sb->count; i++) {
        dev_free(sb->dev[i]);
        sb->dev[i] = NULL;
    }
    sb->count = 0;
}

struct fk_flash_dev *fk_sim_board_dev(struct fk_sim_board *sb, const char *name)
{
    if (sb == NULL || name == NULL) {
        return NULL;
    }
    for (unsigned i = 0; i < sb->count; i++) {
        if (strcmp(sb->dev[i]->name, name) == 0) {
            return &sb->dev[i]->dev;
        }
    }
    return NULL;
}

size_t fk_sim_board_devs(struct fk_sim_board *sb, struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS])
{
    size_t n = 0;
    for (unsigned i = 0; sb != NULL && i < sb->count; i++) {
        devs[n++] = &sb->dev[i]->dev;
    }
    return n;
}

struct fk_sim_dev *fk_sim_dev_of(struct fk_flash_dev *dev)
{
    if (dev == NULL || dev->ops != &sim_ops) {
        return NULL;
    }
    return dev->ctx;
}

uint8_t *fk_sim_dev_mem(struct fk_flash_dev *dev, size_t *size)
{
    struct fk_sim_dev *sd = fk_sim_dev_of(dev);
    if (sd == NULL) {
        return NULL;
    }
    struct fk_sim_mem *m = sd->kind == FK_KIND_INTERNAL ? &sd->ichip.mem : &sd->nchip.mem;
    if (size != NULL) {
        *size = m->size;
    }
    return m->data;
}

static struct fk_sim_weak *weak_of(struct fk_sim_dev *sd)
{
    return sd->kind == FK_KIND_INTERNAL ? &sd->ichip.weak : &sd->nchip.weak;
}

int fk_sim_dev_weaken(struct fk_flash_dev *dev, uint32_t off, uint32_t len)
{
    struct fk_sim_dev *sd = fk_sim_dev_of(dev);
    if (sd == NULL) {
        return FK_EINVAL;
    }
    if (sd->kind == FK_KIND_INTERNAL) {
        return fk_sim_nvmc_chip_weaken(&sd->ichip, off, len);
    }
    fk_sim_nor_chip_cut(&sd->nchip, 1); /* finish what the chip was doing first */
    return fk_sim_nor_chip_weaken(&sd->nchip, off, len);
}

uint32_t fk_sim_dev_weak_bytes(struct fk_flash_dev *dev, uint32_t off, uint32_t len)
{
    struct fk_sim_dev *sd = fk_sim_dev_of(dev);
    return sd == NULL ? 0 : fk_sim_weak_count(weak_of(sd), off, len);
}

void fk_sim_board_settle(struct fk_sim_board *sb)
{
    if (!sb->power.weak_late) {
        return; /* bits in weak cells were lost as they were programmed */
    }
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_sim_dev *sd = sb->dev[i];
        struct fk_sim_mem *m = sd->kind == FK_KIND_INTERNAL ? &sd->ichip.mem : &sd->nchip.mem;
        fk_sim_weak_settle(weak_of(sd), m->data, &sd->stats);
    }
}

void fk_sim_board_heal(struct fk_sim_board *sb)
{
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_sim_weak *w = weak_of(sb->dev[i]);
        fk_sim_weak_heal(w, 0, w->n_sec * w->sector);
    }
}

int fk_sim_dev_force_write_size(struct fk_flash_dev *dev, uint32_t ws)
{
    struct fk_sim_dev *sd = fk_sim_dev_of(dev);
    if (sd == NULL || ws == 0) {
        return FK_EINVAL;
    }
    uint32_t own = sd->drv->write_size ? sd->drv->write_size : 1;
    if (ws % own != 0 || (sd->dev.erase_size && sd->dev.erase_size % ws != 0)) {
        return FK_EINVAL;
    }
    sd->dev.write_size = ws;
    return FK_OK;
}

int fk_sim_board_sync(struct fk_sim_board *sb)
{
    int rc = FK_OK;
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_flash_dev *d = &sb->dev[i]->dev;
        if (d->state != FK_DEV_READY) {
            continue;
        }
        int r = d->ops->sync(d);
        if (r != FK_OK && rc == FK_OK) {
            rc = r;
        }
    }
    return rc;
}

double fk_sim_board_overlap_us(const struct fk_sim_board *sb)
{
    double t = sb->clock.now_us;
    for (unsigned i = 0; i < sb->count; i++) {
        if (sb->dev[i]->kind != FK_KIND_INTERNAL) {
            double idle = fk_sim_nor_chip_idle_at(&sb->dev[i]->nchip);
            if (idle > t) {
                t = idle;
            }
        }
    }
    return t;
}

void fk_sim_board_reset_stats(struct fk_sim_board *sb)
{
    /* Let every chip finish first so no operation straddles the reset. */
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_sim_dev *sd = sb->dev[i];
        if (sd->kind != FK_KIND_INTERNAL) {
            fk_sim_nor_chip_cut(&sd->nchip, 1);
            sd->nchip.awake_at = 0;
            sd->nor.maybe_busy = 0;
        }
    }
    sb->clock.now_us = 0;
    sb->clock.sum_us = 0;
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_sim_stats *st = &sb->dev[i]->stats;
        uint32_t *se = st->sector_erases;
        uint32_t n = st->n_sectors, sz = st->sector_size;
        memset(st, 0, sizeof *st);
        st->sector_erases = se;
        st->n_sectors = n;
        st->sector_size = sz;
        if (se != NULL) {
            memset(se, 0, sizeof *se * n);
        }
        if (sb->dev[i]->kind != FK_KIND_INTERNAL) {
            sb->dev[i]->nchip.busy_until = 0;
        }
    }
}

/* ---- power ------------------------------------------------------------ */

void fk_sim_power_arm(struct fk_sim_board *sb, uint32_t k, enum fk_sim_cut mode, uint64_t seed)
{
    struct fk_sim_power *p = &sb->power;
    p->count = 0;
    p->cut_at = mode == FK_SIM_CUT_NONE ? 0 : k;
    p->mode = mode;
    p->seed = seed;
    p->rng = seed ^ ((uint64_t)k << 32) ^ 0x6a09e667f3bcc909ull;
    p->tear_armed = 0;
}

uint32_t fk_sim_power_count(const struct fk_sim_board *sb)
{
    return sb->power.count;
}

int fk_sim_board_run(struct fk_sim_board *sb, int (*fn)(void *ctx), void *ctx, int *rc)
{
    return fk_sim_power_run(&sb->power, fn, ctx, rc);
}

int fk_sim_power_is_off(const struct fk_sim_board *sb)
{
    return sb->power.off;
}

void fk_sim_power_cut(struct fk_sim_board *sb)
{
    fk_sim_cut_now(&sb->power);
}

int fk_sim_power_restore(struct fk_sim_board *sb)
{
    struct fk_sim_power *p = &sb->power;
    p->off = 0;
    p->tear_armed = 0;
    p->cut_at = 0;
    p->mode = FK_SIM_CUT_NONE;
    for (unsigned i = 0; i < sb->count; i++) {
        struct fk_sim_dev *sd = sb->dev[i];
        if (sd->kind == FK_KIND_INTERNAL) {
            sd->ichip.config = FK_NVMC_CONFIG_REN;
            if (p->weak_late) {
                fk_sim_weak_settle(&sd->ichip.weak, sd->ichip.mem.data, &sd->stats);
            }
        } else {
            fk_sim_nor_chip_power_on(&sd->nchip);
            sd->nor.maybe_busy = 0;
            sd->nor.asleep = 0;
        }
    }
    return FK_OK;
}
