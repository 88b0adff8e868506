/*
 * A board's flash devices, as described by a board file (*.board.yml, see
 * docs/board-file.md). Plain data: the layout component parses board files
 * into it (host), the flash simulation builds simulated chips from it, and
 * the generated layout header describes the same facts for firmware.
 */
#ifndef FOTAKIT_BOARD_H
#define FOTAKIT_BOARD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FK_BOARD_MAX_DEVS 8
#define FK_BOARD_NAME_LEN 48

enum fk_dev_kind {
    FK_KIND_INTERNAL = 0, /* SoC flash controller (NVMC-like), memory-mapped */
    FK_KIND_SPI_NOR = 1,  /* JEDEC SPI NOR on a SPI bus */
    FK_KIND_QSPI_NOR = 2, /* NOR on a QSPI peripheral */
};

struct fk_board_dev {
    char name[FK_BOARD_NAME_LEN];   /* region name: the board file's top-level key */
    enum fk_dev_kind kind;
    char bus[FK_BOARD_NAME_LEN];    /* e.g. "spi4" (NOR only) */
    char chosen[FK_BOARD_NAME_LEN]; /* devicetree chosen node, e.g. "nordic_pm_ext_flash" */
    char label[FK_BOARD_NAME_LEN];  /* devicetree label, alternative to chosen */
    uint32_t size;
    uint32_t erase_size;
    uint32_t write_size;
    uint32_t page_size;             /* NOR page-program size (0: not a NOR) */
    uint8_t jedec_id[3];
    uint8_t has_jedec_id;
    /* Datasheet timings (0 = not given; the simulation uses its defaults). */
    double erase_ms;                /* internal: page erase */
    double write_us_per_word;       /* internal: per 32-bit word */
    double sector_erase_ms;         /* NOR: 4 KB sector erase */
    double page_program_ms;         /* NOR: one page program */
    uint32_t spi_hz;                /* NOR: bus clock */
    /* NOR: more datasheet figures, for the throughput models (bench/upload
     * --ble); 0 = not given. Typical block erases, and the maximum of each
     * operation ("*_max_ms"). */
    double block32_erase_ms, block64_erase_ms;
    double sector_erase_max_ms, block32_erase_max_ms, block64_erase_max_ms, page_program_max_ms;
    /* `volatile: true`: RAM standing in for flash (internal only), e.g.
     * NCS's ram_flash region, where mcuboot_primary_1 is MCUboot's flash
     * simulator: its contents read erased at every boot (Zephyr's flash
     * simulator fills its memory with the erase value at init; a power
     * loss clears RAM anyway). */
    uint8_t is_volatile;
    /* `core: network`: the flash of the nRF5340's network core (internal
     * only). The application core cannot address it; only the network
     * core's own bootloader (b0n) writes it, from a PCD hand-over. No
     * partition of an application-core layout may sit on it. */
    uint8_t netcore;
};

struct fk_board {
    struct fk_board_dev dev[FK_BOARD_MAX_DEVS];
    unsigned count;
};

#ifdef __cplusplus
}
#endif
#endif
