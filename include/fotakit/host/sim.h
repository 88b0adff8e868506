/*
 * fotakit flash simulation (host only; library fotakit_flash_host).
 *
 * Simulated chips with NOR physics, behind the real drivers:
 *   - internal flash: an NVMC register model behind struct fk_nvmc_port,
 *     driven by the device driver of fotakit/nvmc.h;
 *   - SPI NOR: a chip model (default Macronix MX25R1635F) behind struct
 *     fk_spi_bus, driven by the JEDEC SPI NOR driver of fotakit/nor.h.
 * A shared simulated clock, per-device stats, RAM or file backing, and a
 * deterministic power-cut injector shared by all devices of a board.
 *
 * Typical use (one call builds every device of a board):
 *
 *     struct fk_board b;            // from the layout parser, or:
 *     fk_sim_board_preset(&b, "nrf5340-spi-nor-2mb");
 *     struct fk_sim_board sb;
 *     struct fk_sim_opts o = {0};   // RAM backing, the board's write sizes
 *     int rc = fk_sim_board_build(&sb, &b, &o);
 *     struct fk_flash_dev *ext = fk_sim_board_dev(&sb, "external_flash");
 *     ... build a struct fk_flash_map over the devices, run code ...
 *     double sum_us = sb.clock.sum_us, ovl_us = fk_sim_board_overlap_us(&sb);
 *     fk_sim_board_free(&sb);
 *
 * Power-loss harness:
 *
 *     fk_sim_power_arm(&sb, 0, FK_SIM_CUT_NONE, 0);   // reset the counter
 *     run();  n = fk_sim_power_count(&sb);            // N program/erase calls
 *     for k in 1..n: fresh board (or same setup), then
 *         fk_sim_power_arm(&sb, k, FK_SIM_CUT_BEFORE or FK_SIM_CUT_TEAR, seed);
 *         cut = fk_sim_board_run(&sb, run, ctx, &rc); // 1: power went at call k
 *         fk_sim_power_restore(&sb);   // chips reset, injector disarmed
 *         recover(); check();
 *
 * Physics checks: a program that would set a bit from 0 to 1 fails with
 * FK_ENOTERASED (the chip is left unchanged), an internal-flash word written
 * more than nWRITE times between erases fails with FK_EWEAR, an unaligned
 * internal write with FK_EALIGN. With opts.lenient the chips instead do what
 * silicon does (AND the data in) and only count the violation in
 * stats.violations.
 *
 * Timing and overlap: every device has datasheet timings (board file figures,
 * else the defaults below). The clock keeps
 *   sum_us  the plain sum of every operation's duration (internal erase and
 *           program; NOR command/data transfer time, internal busy time, and
 *           dead waits on an idle chip such as the tRES1 wake-up);
 *   now_us  the CPU's timeline under the hardware's overlap rule: the CPU
 *           halts during internal flash operations, SPI transfers take CPU
 *           time, and only a NOR chip's internal busy time (erase, page
 *           program) runs in parallel. The NOR driver returns without waiting
 *           for WIP and waits before its next command. Status polls made while
 *           the chip is busy advance now_us but not sum_us, and a poll wait
 *           ends as soon as the chip is idle (fine-grained polling), so neither
 *           figure depends on the driver's poll interval.
 * fk_sim_board_overlap_us() = max(now_us, the time the last chip goes idle).
 * For one device alone the two figures are equal. Memory-mapped internal
 * reads cost no time.
 *
 * A NOR erase/program still running when power is cut is torn too (the chip
 * was mid-operation): sync the NOR device before recording that its work is
 * done.
 *
 * Weakly erased cells (issue 14 item 1). On real NOR and NVMC an erase cut
 * short (power loss, or a NOR reset 66h/99h during the erase) can leave
 * cells that read 1 with too little margin: the sector may read all 0xff,
 * yet what is programmed there later does not hold. The models keep, per
 * byte, a "weak" mask: the bits of that byte a program will not keep.
 *   - A torn erase (FK_SIM_CUT_TEAR on an erase, a cut while a NOR erase
 *     runs, a NOR software reset during an erase) leaves the range of the
 *     torn physical operation (the NOR erase command's whole unit, or the
 *     NVMC page) weak. Its contents: with probability 1/2 all 0xff (the cut
 *     came late: nothing shows), else runs of old bytes and 0xff (early).
 *     Masks are drawn from the power rng (fk_sim_power_arm's seed), so a
 *     seeded sweep repeats bit for bit; every weak byte has at least one
 *     leaky bit.
 *   - A program into weak cells: the 0 bits it asks for that are in the
 *     mask read back as 1. By default at once (a read-back sees it);
 *     with power.weak_late only at the next settle (power restore,
 *     fk_sim_board_settle), so a read-back right after the program passes
 *     and the data is lost later (retention): the stricter model.
 *   - Only a complete erase of the sector (NOR 4 KB sector or a larger
 *     unit containing it; NVMC page) makes its cells sound again. Reads
 *     never reveal weakness, so "reads erased" proves nothing.
 *   - The NVMC keeps its per-word write counts across a torn erase (the
 *     page was not erased, so nWRITE still counts from the last complete
 *     erase).
 * power.kind_erase = 1 selects the old, kind model for comparison: a torn
 * erase leaves old-or-0xff runs that hold whatever is programmed later,
 * and the NVMC forgets its write counts. Weak state lives in RAM only (a
 * file-backed device starts sound in a new process), and snapshots of
 * contents (fk_sim_dev_mem) do not carry it.
 * What the model cannot capture about silicon: real weak cells fail
 * probabilistically with temperature, time and wear, can also drift from 1
 * to 0 without being programmed, and erase-verify behaviour differs per
 * chip; none of this has run on silicon.
 */
#ifndef FOTAKIT_SIM_H
#define FOTAKIT_SIM_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/board.h"
#include "fotakit/flash.h"
#include "fotakit/nor.h"
#include "fotakit/nvmc.h"
#include "fotakit/spi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default timings (used when the board file gives 0). */
#define FK_SIM_INT_ERASE_MS 85.0       /* internal page erase */
#define FK_SIM_INT_WORD_US 41.0        /* internal word program */
#define FK_SIM_NOR_SE_MS 40.0          /* 4 KB sector erase */
#define FK_SIM_NOR_BE32_MS 120.0       /* 32 KB block erase (3 x sector) */
#define FK_SIM_NOR_BE64_MS 220.0       /* 64 KB block erase (5.5 x sector) */
#define FK_SIM_NOR_CE_MS_PER_MB 3500.0 /* chip erase, per MB of density */
#define FK_SIM_NOR_PP_MS 0.85          /* page program */
#define FK_SIM_NOR_SPI_HZ 8000000u
#define FK_SIM_NOR_WAKE_US 35u         /* tRES1 */

/* ---- clock ------------------------------------------------------------ */

struct fk_sim_clock {
    double now_us; /* CPU timeline (overlapped) */
    double sum_us; /* plain sum of operation durations */
};

/* Let `us` of CPU work pass (e.g. hashing): advances now_us only. */
void fk_sim_clock_cpu(struct fk_sim_clock *c, double us);

/* ---- stats ------------------------------------------------------------ */

struct fk_sim_stats {
    /* Device-level calls (what the flash map asked for). */
    uint64_t read_calls, read_bytes;
    uint64_t prog_calls, prog_bytes;
    uint64_t erase_calls, erase_bytes;
    /* Physical erase units (erase_bytes / native sector size) and per sector. */
    uint64_t sectors_erased;
    uint32_t *sector_erases; /* n_sectors counters, index = offset / sector */
    uint32_t n_sectors;
    uint32_t sector_size;
    uint32_t max_sector_erases;
    double busy_us; /* this device's share of clock.sum_us */
    double xfer_us; /* NOR: bus transfer time (part of busy_us) */
    /* Chip-level commands (internal: words programmed / pages erased). */
    uint64_t words_programmed, pages_erased;
    uint64_t cmd_pp, cmd_se, cmd_be32, cmd_be64, cmd_ce, cmd_read, cmd_rdsr, cmd_other;
    uint64_t violations; /* physics violations seen (0 in a correct run) */
    uint64_t weak_erases;    /* torn erases that left cells weakly erased */
    uint64_t weak_lost_bits; /* programmed 0 bits lost in weak cells (read as 1) */
    int last_violation;  /* its code (FK_ENOTERASED, FK_EWEAR, FK_EALIGN, ...) */
};

/* ---- power-cut injector ----------------------------------------------- */

enum fk_sim_cut {
    FK_SIM_CUT_NONE = 0,   /* count only */
    FK_SIM_CUT_BEFORE = 1, /* cut before call k touches anything */
    FK_SIM_CUT_TEAR = 2,   /* cut in the middle of call k: one of its pages/words/
                              sectors (chosen from the seed) is torn, those before it
                              completed, those after it untouched */
};

struct fk_sim_power {
    uint32_t count;       /* device-level program/erase calls since the last arm */
    uint32_t cut_at;      /* 1-based call to cut at; 0: never */
    enum fk_sim_cut mode;
    uint64_t seed;
    uint8_t off;          /* 1: power is cut (see fk_sim_power_run) */
    uint32_t cuts;        /* cuts so far */
    /* internal: physical operations left before the torn one */
    uint8_t tear_armed;
    uint32_t tear_after;
    uint64_t rng;
    /* Torn-erase model (see "Weakly erased cells" above); kept by arm/restore. */
    uint8_t kind_erase; /* 1: the old, kind model (no weak cells; NVMC write
                           counts reset at a torn erase); 0: honest (default) */
    uint8_t weak_late;  /* 1: bits lost in weak cells show at the next settle;
                           0: at once (default) */
    void (*cut_hook)(void *ctx); /* set by the board: tears chips still busy */
    void *cut_ctx;
    jmp_buf *unwind;      /* internal: where fk_sim_power_run resumes at a cut */
};

/*
 * A power cut is a reset, not a return code. Run fn(ctx) as a device runs
 * code: when the power is cut while it runs (the injector's call k, a tear,
 * or fk_sim_power_cut), the simulator does not return into fn; it unwinds
 * from the chip model straight back here (longjmp), as a reset abandons
 * whatever the CPU was doing. Returns 1 when the power was cut (*rc is left
 * alone), else 0 with *rc = fn's result. The caller treats RAM the device
 * code used as lost (device code keeps its state in caller-owned structs,
 * nothing to free) and calls fk_sim_power_restore before running it again.
 * Outside such a run, a device without power does not answer: its
 * operations fail with FK_EIO. Runs nest (the inner one catches its cuts).
 */
int fk_sim_power_run(struct fk_sim_power *p, int (*fn)(void *ctx), void *ctx, int *rc);

/* ---- chip models (lower layer; fk_sim_board_build wires them up) ------ */

/* A chip's weakly erased cells (see "Weakly erased cells" above). */
struct fk_sim_weak {
    uint8_t *mask;   /* per byte: the bits a program there does not keep; 0: sound */
    uint8_t *sec;    /* per sector: 1 when some byte of it may be weak */
    uint32_t sector; /* the chip's smallest erase unit (NOR 4 KB, NVMC page) */
    uint32_t n_sec;
    uint32_t n_weak_sec; /* sectors with sec[] set (0: nothing to do) */
    uint64_t rng;    /* masks for a chip without a power injector */
};

struct fk_sim_mem {
    uint8_t *data;
    size_t size;
    int fd; /* -1: RAM */
};

enum fk_sim_nor_pending { FK_SIM_NOR_IDLE = 0, FK_SIM_NOR_PROG, FK_SIM_NOR_ERASE };

struct fk_sim_nor_chip {
    struct fk_sim_mem mem;
    uint8_t id[3];
    uint32_t page_size;
    double se_us, be32_us, be64_us, ce_us, pp_us; /* busy times */
    uint32_t spi_hz;
    uint8_t sfdp[256]; /* SFDP space: header + BFPT (JESD216B, 16 dwords) [+ 4BAIT] */
    /* state */
    uint8_t sr;         /* BP bits persist; WEL/WIP live here too */
    uint8_t asleep;     /* deep power-down */
    uint8_t rst_enabled;
    double busy_until;  /* clock time when the current operation ends */
    enum fk_sim_nor_pending pending; /* applied when the chip finishes (or torn at a cut) */
    uint32_t pend_addr, pend_len;
    uint8_t pend_data[256];
    /* fault knobs for tests */
    uint8_t absent;     /* no chip: MISO floats high, reads all ff */
    uint8_t stuck_busy; /* WIP never clears after the next program/erase */
    uint8_t wp_low;     /* WP# pin held low: WRSR ignored while SRWD is set */
    uint8_t addr4;      /* in 4-byte address mode (B7h; chips above 16 MiB) */
    uint8_t addr_hi;    /* the current command's top address byte (4-byte) */
    uint8_t lenient;
    double wake_us;     /* tRES1 */
    double awake_at;    /* commands before this time (after 0xAB) are ignored */
    uint8_t *scratch;   /* transfer buffers (host) */
    size_t scratch_len;
    struct fk_sim_weak weak;
    struct fk_sim_clock *clock;
    struct fk_sim_power *power;
    struct fk_sim_stats *stats;
};

struct fk_sim_nvmc_chip {
    struct fk_sim_mem mem;
    uint32_t page_size;
    uint32_t nwrite;      /* programs per word between erases [2] */
    uint8_t *writes;      /* per word program count since erase */
    uint32_t config;      /* CONFIG register */
    double erase_us, word_us;
    uint8_t lenient;
    uint8_t stuck;        /* test knob: READY stays 0 */
    struct fk_sim_weak weak;
    struct fk_sim_clock *clock;
    struct fk_sim_power *power;
    struct fk_sim_stats *stats;
};

/* ---- board ------------------------------------------------------------ */

struct fk_sim_opts {
    const char *state_dir;     /* NULL: RAM backing. Else each device's contents
                                  live in <state_dir>/<name>.bin (created erased;
                                  persists across processes; the directory itself
                                  is created if missing, one level). */
    uint32_t force_write_size; /* 0: the board's; else every device advertises this
                                  write size (e.g. 8) */
    uint32_t absent_mask;      /* bit i: board device i does not answer (a NOR chip
                                  reads ff ff ff, so its probe fails) */
    uint8_t lenient;           /* see "Physics checks" above */
    uint8_t nor_clear_protect; /* NOR driver clears block-protect bits at init */
};

struct fk_sim_dev {
    struct fk_flash_dev dev; /* what the flash map uses: checks power, counts
                                stats, arms tears, then calls the driver */
    struct fk_sim_board *board;
    enum fk_dev_kind kind;
    char name[FK_BOARD_NAME_LEN];
    char desc[FK_BOARD_NAME_LEN + 16];
    struct fk_flash_dev *drv; /* the driver's device */
    struct fk_sim_stats stats;
    /* Fault knob: a program call that reaches [fault_off, fault_off +
     * fault_len) (device offsets) silently fails there: it returns FK_OK,
     * the bytes in the range stay as they were, the rest is programmed. It
     * hits the next fault_count such calls (UINT32_MAX: all of them). */
    uint32_t fault_off, fault_len, fault_count;
    /* internal */
    struct fk_nvmc nvmc;
    struct fk_nvmc_port port;
    struct fk_sim_nvmc_chip ichip;
    struct fk_nor nor;
    struct fk_spi_bus bus;
    struct fk_sim_nor_chip nchip;
};

struct fk_sim_board {
    struct fk_sim_clock clock;
    struct fk_sim_power power;
    struct fk_sim_dev *dev[FK_BOARD_MAX_DEVS];
    unsigned count;
    struct fk_board board; /* copy of what it was built from */
};

/* Fill *b with one of the shared board files' figures: "nrf5340-spi-nor-2mb",
 * "nrf52840-spi-nor-2mb", "nrf52840", "nrf5340-no-ext-flash". FK_ENOENT for
 * other names. (For when the layout parser is not at hand.) */
int fk_sim_board_preset(struct fk_board *b, const char *name);

/* Build every device of `board` (internal → NVMC model + driver, spi-nor /
 * qspi-nor → chip model + JEDEC driver) and probe it. A device whose probe
 * fails stays in the board with state FK_DEV_FAILED and its `why` set (that
 * is not an error of this call). Errors: FK_EINVAL (bad geometry), FK_EIO
 * (state file cannot be created/opened, or has the wrong size), FK_ENOMEM
 * (allocation). opts may be NULL. On error nothing needs freeing. */
int fk_sim_board_build(struct fk_sim_board *sb, const struct fk_board *board,
                       const struct fk_sim_opts *opts);
/* Finish pending chip work, flush/unmap files, free. */
void fk_sim_board_free(struct fk_sim_board *sb);

/* The device named `name` (board file key), or NULL. */
struct fk_flash_dev *fk_sim_board_dev(struct fk_sim_board *sb, const char *name);
/* All devices in board order (for fk_layout_flash_map()); returns the count. */
size_t fk_sim_board_devs(struct fk_sim_board *sb, struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS]);
/* The sim device behind a device from fk_sim_board_dev(), or NULL. */
struct fk_sim_dev *fk_sim_dev_of(struct fk_flash_dev *dev);
/* Raw contents of a simulated device (for tests and harness snapshots). */
uint8_t *fk_sim_dev_mem(struct fk_flash_dev *dev, size_t *size);
/* Make `dev` advertise write size `ws` (a multiple of the chip's own). */
int fk_sim_dev_force_write_size(struct fk_flash_dev *dev, uint32_t ws);

/* Weakly erased cells, for tests (see "Weakly erased cells" above).
 * fk_sim_dev_weaken: [off, off+len) of the device (any alignment, within
 * it) becomes what a torn erase that came late leaves: it reads 0xff and
 * is weak (masks drawn from the board's power rng, so the same arm seed
 * gives the same masks). FK_EINVAL for a non-simulated device, FK_ERANGE
 * past its end. Only a complete erase of each sector heals it.
 * fk_sim_dev_weak_bytes: how many bytes of [off, off+len) are weak (0 for
 * a non-simulated device or a range past its end). */
int fk_sim_dev_weaken(struct fk_flash_dev *dev, uint32_t off, uint32_t len);
uint32_t fk_sim_dev_weak_bytes(struct fk_flash_dev *dev, uint32_t off, uint32_t len);
/* With power.weak_late: programmed bits in weak cells are lost now (every
 * weak byte reads value | mask). fk_sim_power_restore does this too. */
void fk_sim_board_settle(struct fk_sim_board *sb);
/* Make every cell of every device sound again (e.g. after restoring a
 * snapshot of contents taken before any torn erase). */
void fk_sim_board_heal(struct fk_sim_board *sb);

/* Wait for every chip to finish (like fk_flash_sync on each device). */
int fk_sim_board_sync(struct fk_sim_board *sb);
/* max(clock.now_us, when the last chip goes idle). */
double fk_sim_board_overlap_us(const struct fk_sim_board *sb);
/* Zero the clock and all stats (not the contents). */
void fk_sim_board_reset_stats(struct fk_sim_board *sb);

/* Power: arm resets the call counter; k is 1-based (0: never cut). */
void fk_sim_power_arm(struct fk_sim_board *sb, uint32_t k, enum fk_sim_cut mode, uint64_t seed);
uint32_t fk_sim_power_count(const struct fk_sim_board *sb);
/* fk_sim_power_run on the board's power. */
int fk_sim_board_run(struct fk_sim_board *sb, int (*fn)(void *ctx), void *ctx, int *rc);
int fk_sim_power_is_off(const struct fk_sim_board *sb);
/* Cut now (tears any NOR operation still in progress). */
void fk_sim_power_cut(struct fk_sim_board *sb);
/* Power returns: chips reset (not busy, WEL clear, awake; contents and BP bits
 * kept), driver state reset as after a reboot (no re-probe, no clock time),
 * injector disarmed (counter kept). */
int fk_sim_power_restore(struct fk_sim_board *sb);

/* ---- lower layer: single chips without a board (driver tests) --------- */

/* MX25R1635F-like chip of `size` bytes (0: 2 MB; up to 256 MB: above 16 MB
 * it takes 4-byte addresses, B7h or the 4-byte opcodes, as its SFDP says)
 * with JEDEC id `id` (NULL: c2 28 15), RAM backing, default timings, SFDP
 * describing it. */
int fk_sim_nor_chip_init(struct fk_sim_nor_chip *chip, uint32_t size, const uint8_t id[3],
                         struct fk_sim_clock *clock, struct fk_sim_power *power,
                         struct fk_sim_stats *stats);
void fk_sim_nor_chip_free(struct fk_sim_nor_chip *chip);
/* A SPI bus whose transceive/delay drive the chip model. */
void fk_sim_nor_chip_bus(struct fk_sim_nor_chip *chip, struct fk_spi_bus *bus);
/* Power-on reset of the chip state (what restore does; with
 * power->weak_late it also settles the chip's weak cells). */
void fk_sim_nor_chip_power_on(struct fk_sim_nor_chip *chip);
/* Chip-level fk_sim_dev_weaken (reads 0xff, weak); FK_ERANGE past the end. */
int fk_sim_nor_chip_weaken(struct fk_sim_nor_chip *chip, uint32_t off, uint32_t len);

int fk_sim_nvmc_chip_init(struct fk_sim_nvmc_chip *chip, uint32_t size, uint32_t page_size,
                          struct fk_sim_clock *clock, struct fk_sim_power *power,
                          struct fk_sim_stats *stats);
void fk_sim_nvmc_chip_free(struct fk_sim_nvmc_chip *chip);
void fk_sim_nvmc_chip_port(struct fk_sim_nvmc_chip *chip, struct fk_nvmc_port *port);
/* Chip-level fk_sim_dev_weaken (reads 0xff, weak); FK_ERANGE past the end. */
int fk_sim_nvmc_chip_weaken(struct fk_sim_nvmc_chip *chip, uint32_t off, uint32_t len);

#ifdef __cplusplus
}
#endif
#endif
