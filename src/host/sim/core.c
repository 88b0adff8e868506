/*
 * Simulation plumbing shared by the chip models: clock charging, stats,
 * physics-violation accounting, the power-cut injector's per-operation hook,
 * and RAM/file backing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim_internal.h"

uint64_t fk_sim_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int fk_sim_phys_begin(struct fk_sim_power *p)
{
    if (p == NULL) {
        return 0;
    }
    if (p->off) {
        return fk_sim_no_power(p);
    }
    if (!p->tear_armed) {
        return 0;
    }
    if (p->tear_after == 0) {
        p->tear_armed = 0;
        return 1;
    }
    p->tear_after--;
    return 0;
}

void fk_sim_tear_erase(uint8_t *m, uint32_t len, uint64_t *rng)
{
    uint32_t i = 0;
    while (i < len) {
        uint64_t r = fk_sim_rand(rng);
        uint32_t run = 1 + (uint32_t)(r % 64);
        int erase = (r >> 32) & 1;
        for (uint32_t k = 0; k < run && i < len; k++, i++) {
            if (erase) {
                m[i] = 0xff;
            }
        }
    }
}

/* ---- weakly erased cells ------------------------------------------------ */

int fk_sim_weak_init(struct fk_sim_weak *w, uint32_t size, uint32_t sector)
{
    memset(w, 0, sizeof *w);
    w->sector = sector;
    w->n_sec = size / sector;
    w->rng = 0x77656b6572617365ull; /* a chip alone (no injector): fixed masks */
    /* calloc'd: untouched pages cost nothing until a torn erase */
    w->mask = calloc(size, 1);
    w->sec = calloc(w->n_sec ? w->n_sec : 1, 1);
    if (w->mask == NULL || w->sec == NULL) {
        fk_sim_weak_free(w);
        return FK_ENOMEM;
    }
    return FK_OK;
}

void fk_sim_weak_free(struct fk_sim_weak *w)
{
    free(w->mask);
    free(w->sec);
    w->mask = w->sec = NULL;
    w->n_weak_sec = 0;
}

static uint64_t *weak_rng(struct fk_sim_power *p, struct fk_sim_weak *w)
{
    return p != NULL ? &p->rng : &w->rng;
}

static void weak_mark(struct fk_sim_weak *w, uint32_t off, uint32_t len, uint64_t *rng)
{
    if (w->mask == NULL || len == 0) {
        return;
    }
    for (uint32_t i = 0; i < len; i++) {
        uint64_t r = fk_sim_rand(rng);
        /* about half the bits leak, at least one */
        w->mask[off + i] = (uint8_t)((uint8_t)r | (1u << ((r >> 8) & 7u)));
    }
    for (uint32_t s = off / w->sector; s <= (off + len - 1) / w->sector && s < w->n_sec; s++) {
        if (!w->sec[s]) {
            w->sec[s] = 1;
            w->n_weak_sec++;
        }
    }
}

void fk_sim_torn_erase(struct fk_sim_power *p, struct fk_sim_weak *w, uint8_t *mem, uint32_t off,
                       uint32_t len, struct fk_sim_stats *st)
{
    uint64_t *rng = weak_rng(p, w);
    if (p != NULL && p->kind_erase) {
        fk_sim_tear_erase(mem + off, len, rng); /* the old model, same draws */
        return;
    }
    if (fk_sim_rand(rng) & 1u) {
        memset(mem + off, 0xff, len); /* cut late: reads erased, is not */
    } else {
        fk_sim_tear_erase(mem + off, len, rng);
    }
    weak_mark(w, off, len, rng);
    if (st != NULL) {
        st->weak_erases++;
    }
}

void fk_sim_weak_heal(struct fk_sim_weak *w, uint32_t off, uint32_t len)
{
    if (w->n_weak_sec == 0 || w->sector == 0) {
        return;
    }
    for (uint32_t s = (off + w->sector - 1) / w->sector;
         s < w->n_sec && (uint64_t)(s + 1) * w->sector <= (uint64_t)off + len; s++) {
        if (w->sec[s]) {
            memset(w->mask + (size_t)s * w->sector, 0, w->sector);
            w->sec[s] = 0;
            w->n_weak_sec--;
        }
    }
}

static unsigned popcount8(uint8_t v)
{
    unsigned n = 0;
    for (; v != 0; v &= (uint8_t)(v - 1)) {
        n++;
    }
    return n;
}

uint8_t fk_sim_weak_keep(struct fk_sim_weak *w, uint32_t addr, uint8_t clear,
                         const struct fk_sim_power *p, struct fk_sim_stats *st)
{
    if (w->n_weak_sec == 0 || !w->sec[addr / w->sector] || (p != NULL && p->weak_late)) {
        return clear;
    }
    uint8_t lost = clear & w->mask[addr];
    if (st != NULL) {
        st->weak_lost_bits += popcount8(lost);
    }
    return (uint8_t)(clear & ~lost);
}

void fk_sim_weak_settle(struct fk_sim_weak *w, uint8_t *mem, struct fk_sim_stats *st)
{
    for (uint32_t s = 0; s < w->n_sec && w->n_weak_sec != 0; s++) {
        if (!w->sec[s]) {
            continue;
        }
        for (size_t i = (size_t)s * w->sector; i < (size_t)(s + 1) * w->sector; i++) {
            uint8_t lost = (uint8_t)(w->mask[i] & ~mem[i]);
            if (lost != 0) {
                mem[i] |= lost;
                if (st != NULL) {
                    st->weak_lost_bits += popcount8(lost);
                }
            }
        }
    }
}

int fk_sim_weaken(struct fk_sim_power *p, struct fk_sim_weak *w, struct fk_sim_mem *m,
                  uint32_t off, uint32_t len)
{
    if (off > m->size || len > m->size - off) {
        return FK_ERANGE;
    }
    memset(m->data + off, 0xff, len);
    weak_mark(w, off, len, weak_rng(p, w));
    return FK_OK;
}

uint32_t fk_sim_weak_count(const struct fk_sim_weak *w, uint32_t off, uint32_t len)
{
    uint32_t n = 0;
    if (w->mask == NULL || w->n_weak_sec == 0 || (uint64_t)off + len > (uint64_t)w->n_sec * w->sector) {
        return 0;
    }
    for (uint32_t i = off; i - off < len; i++) {
        n += w->mask[i] != 0;
    }
    return n;
}

void fk_sim_cut_now(struct fk_sim_power *p)
{
    if (p == NULL || p->off) {
        return;
    }
    p->off = 1;
    p->cuts++;
    p->tear_armed = 0;
    if (p->cut_hook != NULL) {
        p->cut_hook(p->cut_ctx);
    }
    if (p->unwind != NULL) {
        longjmp(*p->unwind, 1); /* a reset: the code that ran does not go on */
    }
}

int fk_sim_no_power(struct fk_sim_power *p)
{
    if (p != NULL && p->unwind != NULL) {
        longjmp(*p->unwind, 1);
    }
    return FK_EIO;
}

int fk_sim_power_run(struct fk_sim_power *p, int (*fn)(void *ctx), void *ctx, int *rc)
{
    jmp_buf here;
    jmp_buf *outer = p->unwind; /* not modified after setjmp */
    if (setjmp(here) != 0) {
        p->unwind = outer;
        return 1;
    }
    p->unwind = &here;
    int r = fn(ctx);
    p->unwind = outer;
    *rc = r;
    return 0;
}

void fk_sim_clock_cpu(struct fk_sim_clock *c, double us)
{
    if (c != NULL && us > 0) {
        c->now_us += us;
    }
}

void fk_sim_charge(struct fk_sim_clock *c, struct fk_sim_stats *st, double cpu_us, double sum_us)
{
    if (c != NULL) {
        c->now_us += cpu_us;
        c->sum_us += sum_us;
    }
    if (st != NULL) {
        st->busy_us += sum_us;
    }
}

int fk_sim_violation(struct fk_sim_stats *st, int lenient, int code)
{
    if (st != NULL) {
        st->violations++;
        st->last_violation = code;
    }
    return lenient ? 0 : code;
}

void fk_sim_count_erase(struct fk_sim_stats *st, uint32_t addr, uint32_t len)
{
    if (st == NULL || st->sector_size == 0) {
        return;
    }
    for (uint32_t s = addr / st->sector_size; s < st->n_sectors && (uint64_t)s * st->sector_size <
                                                                         (uint64_t)addr + len;
         s++) {
        st->sectors_erased++;
        if (st->sector_erases != NULL) {
            uint32_t n = ++st->sector_erases[s];
            if (n > st->max_sector_erases) {
                st->max_sector_erases = n;
            }
        }
    }
}

int fk_sim_stats_alloc(struct fk_sim_stats *st, uint32_t size, uint32_t sector)
{
    memset(st, 0, sizeof *st);
    if (sector == 0) {
        return FK_EINVAL;
    }
    st->sector_size = sector;
    st->n_sectors = size / sector;
    st->sector_erases = calloc(st->n_sectors ? st->n_sectors : 1, sizeof(uint32_t));
    return st->sector_erases ? FK_OK : FK_ENOMEM;
}

void fk_sim_stats_free(struct fk_sim_stats *st)
{
    free(st->sector_erases);
    st->sector_erases = NULL;
}

int fk_sim_mem_open(struct fk_sim_mem *m, size_t size, const char *path)
{
    memset(m, 0, sizeof *m);
    m->fd = -1;
    m->size = size;
    if (size == 0) {
        return FK_EINVAL;
    }
    if (path == NULL) {
        m->data = malloc(size);
        if (m->data == NULL) {
            return FK_ENOMEM;
        }
        memset(m->data, 0xff, size);
        return FK_OK;
    }
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        return FK_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return FK_EIO;
    }
    if (st.st_size == 0) {
        /* A new chip comes erased. */
        uint8_t buf[4096];
        memset(buf, 0xff, sizeof buf);
        for (size_t done = 0; done < size;) {
            size_t n = size - done < sizeof buf ? size - done : sizeof buf;
            ssize_t w = write(fd, buf, n);
            if (w <= 0) {
                close(fd);
                return FK_EIO;
            }
            done += (size_t)w;
        }
    } else if ((size_t)st.st_size != size) {
        close(fd);
        return FK_EIO; /* a state file for a different chip size */
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        close(fd);
        return FK_EIO;
    }
    m->data = p;
    m->fd = fd;
    return FK_OK;
}

void fk_sim_mem_close(struct fk_sim_mem *m)
{
    if (m->data == NULL) {
        return;
    }
    if (m->fd >= 0) {
        msync(m->data, m->size, MS_SYNC);
        munmap(m->data, m->size);
        close(m->fd);
    } else {
        free(m->data);
    }
    m->data = NULL;
    m->fd = -1;
}
