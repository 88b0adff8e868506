/*
 * bench/flash: per device of a board, modeled erase / program / read
 * throughput and operation counts for a 460 KB region, on the simulated
 * chips behind the real drivers. Plus one row that erases the NOR region
 * sector by sector while programming the internal one, to show the overlap
 * rule (plain sum vs overlapped total).
 *
 *   flash [--json] [--board FILE | --preset NAME | --all] [--bytes N]
 *
 * Default: the seed board, ../shared/layouts/nrf5340-spi-nor-2mb.board.yml
 * (its figures are built in as the preset of the same name; --board reads a
 * board file through the layout library when it is built).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/sim.h"
#ifdef FK_BENCH_HAVE_LAYOUT
#include "fotakit/host/layout.h"
#endif

#define CHUNK 4096u

struct row {
    const char *board;
    const char *device;
    const char *kind;
    const char *op;
    uint32_t bytes;
    uint64_t calls;
    uint64_t cmds;     /* chip commands: page programs / words / erase commands */
    const char *cmd_unit;
    uint64_t sectors_erased;
    uint64_t se, be32, be64;
    double sum_s, overlap_s;
};

static int json;
static unsigned nrows;

static void print_row(const struct row *r)
{
    double kibs = r->overlap_s > 0 ? r->bytes / 1024.0 / r->overlap_s : 0;
    char kibs_s[24];
    /* Memory-mapped reads are modeled as free: no throughput figure. */
    snprintf(kibs_s, sizeof kibs_s, r->overlap_s > 0 ? "%.1f" : "null", kibs);
    if (json) {
        printf("{\"board\":\"%s\",\"device\":\"%s\",\"kind\":\"%s\",\"op\":\"%s\","
               "\"bytes\":%u,\"calls\":%llu,\"chip_ops\":%llu,\"chip_op_unit\":\"%s\","
               "\"sectors_erased\":%llu,\"cmd_se\":%llu,\"cmd_be32\":%llu,\"cmd_be64\":%llu,"
               "\"seconds_sum\":%.6f,\"seconds_overlap\":%.6f,\"kib_per_s\":%s}\n",
               r->board, r->device, r->kind, r->op, r->bytes, (unsigned long long)r->calls,
               (unsigned long long)r->cmds, r->cmd_unit, (unsigned long long)r->sectors_erased,
               (unsigned long long)r->se, (unsigned long long)r->be32,
               (unsigned long long)r->be64, r->sum_s, r->overlap_s, kibs_s);
        return;
    }
    if (nrows++ == 0) {
        printf("%-22s %-15s %-8s %-22s %8s %6s %16s %8s %9s %9s %9s\n", "board", "device", "kind",
               "operation", "KiB", "calls", "chip ops", "erased", "sum s", "overlap s",
               "KiB/s");
    }
    char ops[40];
    snprintf(ops, sizeof ops, "%llu %s", (unsigned long long)r->cmds, r->cmd_unit);
    printf("%-22s %-15s %-8s %-22s %8.1f %6llu %16s %8llu %9.3f %9.3f %9s\n", r->board,
           r->device, r->kind, r->op, r->bytes / 1024.0, (unsigned long long)r->calls, ops,
           (unsigned long long)r->sectors_erased, r->sum_s, r->overlap_s,
           r->overlap_s > 0 ? kibs_s : "-");
}

static int fail(const char *what, const char *dev, int rc)
{
    fprintf(stderr, "bench/flash: %s on %s failed: %s (%s)\n", what, dev, fk_err_name(rc),
            fk_err_str(rc));
    return 2;
}

static void fill(uint8_t *b, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
}

static const char *kind_name(enum fk_dev_kind k)
{
    return k == FK_KIND_INTERNAL ? "internal" : k == FK_KIND_QSPI_NOR ? "qspi-nor" : "spi-nor";
}

static void collect(struct row *r, struct fk_sim_board *sb, struct fk_sim_dev *sd)
{
    fk_sim_board_sync(sb);
    const struct fk_sim_stats *st = &sd->stats;
    r->sectors_erased = st->sectors_erased;
    r->se = st->cmd_se;
    r->be32 = st->cmd_be32;
    r->be64 = st->cmd_be64;
    r->sum_s = sb->clock.sum_us / 1e6;
    r->overlap_s = fk_sim_board_overlap_us(sb) / 1e6;
}

/* One operation over [0, bytes) of device i on a fresh board. */
static int bench_dev(const char *bname, const struct fk_board *b, unsigned i, uint32_t bytes,
                     const char *op)
{
    struct fk_sim_board sb;
    int rc = fk_sim_board_build(&sb, b, NULL);
    if (rc != FK_OK) {
        return fail("building the board", bname, rc);
    }
    struct fk_sim_dev *sd = sb.dev[i];
    struct fk_flash_dev *d = &sd->dev;
    struct row r = {.board = bname, .device = sd->name, .kind = kind_name(sd->kind), .op = op,
                    .bytes = bytes};
    if (d->state != FK_DEV_READY) {
        fprintf(stderr, "bench/flash: %s: device %s not ready: %s\n", bname, sd->name, d->why);
        fk_sim_board_free(&sb);
        return 2;
    }
    uint32_t es = d->erase_size;
    uint32_t len = (bytes + es - 1) / es * es;
    if (len > d->size) {
        fprintf(stderr, "bench/flash: %s: %u bytes do not fit on %s\n", bname, bytes, sd->name);
        fk_sim_board_free(&sb);
        return 2;
    }
    uint8_t *buf = malloc(CHUNK);
    if (buf == NULL) {
        fk_sim_board_free(&sb);
        return 2;
    }
    int internal = sd->kind == FK_KIND_INTERNAL;
    if (strcmp(op, "erase (4K sectors)") == 0 || strcmp(op, "erase (pages)") == 0) {
        /* Sector by sector, the way a bootloader walks a slot. */
        for (uint32_t off = 0; off < len && rc == FK_OK; off += es) {
            rc = d->ops->erase(d, off, es);
        }
    } else if (strcmp(op, "erase (largest blocks)") == 0) {
        rc = d->ops->erase(d, 0, len);
    } else if (strcmp(op, "program") == 0) {
        /* Pre-erase, then measure programming only. */
        rc = d->ops->erase(d, 0, len);
        if (rc == FK_OK) {
            fk_sim_board_sync(&sb);
            fk_sim_board_reset_stats(&sb);
        }
        for (uint32_t off = 0; off < bytes && rc == FK_OK; off += CHUNK) {
            uint32_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
            fill(buf, n, off);
            rc = d->ops->prog(d, off, buf, n);
        }
    } else { /* read */
        for (uint32_t off = 0; off < bytes && rc == FK_OK; off += CHUNK) {
            uint32_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
            rc = d->ops->read(d, off, buf, n);
        }
    }
    if (rc == FK_OK) {
        rc = fk_sim_board_sync(&sb);
    }
    if (rc != FK_OK) {
        free(buf);
        fk_sim_board_free(&sb);
        return fail(op, sd->name, rc);
    }
    const struct fk_sim_stats *st = &sd->stats;
    if (strncmp(op, "erase", 5) == 0) {
        r.calls = st->erase_calls;
        r.cmds = internal ? st->pages_erased : st->cmd_se + st->cmd_be32 + st->cmd_be64 + st->cmd_ce;
        r.cmd_unit = internal ? "page erases" : "erase cmds";
    } else if (strcmp(op, "program") == 0) {
        r.calls = st->prog_calls;
        r.cmds = internal ? st->words_programmed : st->cmd_pp;
        r.cmd_unit = internal ? "words" : "page progs";
    } else {
        r.calls = st->read_calls;
        r.cmds = internal ? st->read_calls : st->cmd_read;
        r.cmd_unit = internal ? "mapped" : "READs";
    }
    collect(&r, &sb, sd);
    print_row(&r);
    free(buf);
    fk_sim_board_free(&sb);
    return 0;
}

/* NOR erase sector by sector interleaved with internal page erase + program:
 * what a swap does; shows the plain sum against the overlapped total. */
static int bench_overlap(const char *bname, const struct fk_board *b, uint32_t bytes)
{
    struct fk_sim_board sb;
    int rc = fk_sim_board_build(&sb, b, NULL);
    if (rc != FK_OK) {
        return fail("building the board", bname, rc);
    }
    struct fk_sim_dev *in = NULL, *ex = NULL;
    for (unsigned i = 0; i < sb.count; i++) {
        if (sb.dev[i]->kind == FK_KIND_INTERNAL && in == NULL) {
            in = sb.dev[i];
        } else if (sb.dev[i]->kind != FK_KIND_INTERNAL && ex == NULL) {
            ex = sb.dev[i];
        }
    }
    if (in == NULL || ex == NULL || in->dev.state != FK_DEV_READY ||
        ex->dev.state != FK_DEV_READY) {
        fk_sim_board_free(&sb);
        return 0; /* needs both kinds */
    }
    uint8_t *buf = malloc(CHUNK);
    uint32_t es = in->dev.erase_size > ex->dev.erase_size ? in->dev.erase_size : ex->dev.erase_size;
    uint32_t len = (bytes + es - 1) / es * es;
    for (uint32_t off = 0; off < len && rc == FK_OK; off += es) {
        rc = ex->dev.ops->erase(&ex->dev, off, es);       /* runs on its own */
        if (rc == FK_OK) {
            rc = in->dev.ops->erase(&in->dev, off, es);   /* CPU halted */
        }
        for (uint32_t o = 0; o < es && rc == FK_OK; o += CHUNK) {
            uint32_t n = es - o < CHUNK ? es - o : CHUNK;
            fill(buf, n, off + o);
            rc = in->dev.ops->prog(&in->dev, off + o, buf, n);
        }
    }
    if (rc == FK_OK) {
        rc = fk_sim_board_sync(&sb);
    }
    free(buf);
    if (rc != FK_OK) {
        fk_sim_board_free(&sb);
        return fail("overlap run", bname, rc);
    }
    struct row r = {.board = bname, .device = "both", .kind = "-", .op = "NOR erase || int e+p",
                    .bytes = len, .calls = ex->stats.erase_calls + in->stats.erase_calls +
                                           in->stats.prog_calls,
                    .cmds = ex->stats.cmd_se + in->stats.pages_erased, .cmd_unit = "erases"};
    r.sectors_erased = ex->stats.sectors_erased + in->stats.sectors_erased;
    r.se = ex->stats.cmd_se;
    r.sum_s = sb.clock.sum_us / 1e6;
    r.overlap_s = fk_sim_board_overlap_us(&sb) / 1e6;
    print_row(&r);
    fk_sim_board_free(&sb);
    return 0;
}

static int bench_board(const char *bname, const struct fk_board *b, uint32_t bytes)
{
    int rc = 0;
    for (unsigned i = 0; i < b->count && rc == 0; i++) {
        int internal = b->dev[i].kind == FK_KIND_INTERNAL;
        rc = bench_dev(bname, b, i, bytes, internal ? "erase (pages)" : "erase (4K sectors)");
        if (rc == 0 && !internal) {
            rc = bench_dev(bname, b, i, bytes, "erase (largest blocks)");
        }
        if (rc == 0) {
            rc = bench_dev(bname, b, i, bytes, "program");
        }
        if (rc == 0) {
            rc = bench_dev(bname, b, i, bytes, "read");
        }
    }
    if (rc == 0) {
        rc = bench_overlap(bname, b, bytes);
    }
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: flash [--json] [--board FILE | --preset NAME | --all] [--bytes N]\n"
                    "  presets: nrf5340-spi-nor-2mb (default), nrf52840-spi-nor-2mb, nrf52840,\n"
                    "           nrf5340-no-ext-flash\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *preset = "nrf5340-spi-nor-2mb";
    const char *board_file = NULL;
    int all = 0;
    uint32_t bytes = 460 * 1024;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--all") == 0) {
            all = 1;
        } else if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) {
            preset = argv[++i];
        } else if (strcmp(argv[i], "--board") == 0 && i + 1 < argc) {
            board_file = argv[++i];
        } else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc) {
            char *end;
            unsigned long v = strtoul(argv[++i], &end, 0);
            if (*end != '\0' || v == 0 || v > 0x1000000) {
                fprintf(stderr, "bench/flash: --bytes %s: expected 1..16777216\n", argv[i]);
                return 2;
            }
            bytes = (uint32_t)v;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "bench/flash: unknown argument '%s'\n", argv[i]);
            return usage();
        }
    }
    struct fk_board b;
    if (board_file != NULL) {
#ifdef FK_BENCH_HAVE_LAYOUT
        char err[512];
        if (fk_board_load(board_file, &b, err, sizeof err) != FK_OK) {
            fprintf(stderr, "bench/flash: %s\n", err);
            return 2;
        }
        const char *base = strrchr(board_file, '/');
        static char name[64];
        snprintf(name, sizeof name, "%s", base ? base + 1 : board_file);
        char *ext = strstr(name, ".board.yml");
        if (ext != NULL) {
            *ext = '\0';
        }
        return bench_board(name, &b, bytes);
#else
        fprintf(stderr, "bench/flash: --board needs the layout library (not built); use "
                        "--preset\n");
        return 2;
#endif
    }
    if (all) {
        static const char *names[] = {"nrf5340-spi-nor-2mb", "nrf52840-spi-nor-2mb", "nrf52840"};
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            fk_sim_board_preset(&b, names[i]);
            int rc = bench_board(names[i], &b, bytes);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    if (fk_sim_board_preset(&b, preset) != FK_OK) {
        fprintf(stderr, "bench/flash: unknown preset '%s'\n", preset);
        return usage();
    }
    if (!json) {
        printf("fotakit flash bench: %u bytes (%.0f KiB) per device, board %s\n"
               "(modeled time; 'sum' = plain sum of operation times, 'overlap' = NOR busy time "
               "in parallel with the CPU)\n\n",
               bytes, bytes / 1024.0, preset);
    }
    return bench_board(preset, &b, bytes);
}
