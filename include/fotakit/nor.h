/*
 * JEDEC SPI NOR driver over a struct fk_spi_bus. Gives a struct fk_flash_dev.
 * Device code: no heap, no OS calls; all state in struct fk_nor.
 *
 * Commands: RDID 0x9F (expected-ID check), RDSR 0x05 (WIP/WEL), WREN 0x06,
 * READ 0x03 / FAST_READ 0x0B, PP 0x02 split at page boundaries, SE 0x20,
 * BE32 0x52 / BE64 0xD8 when a request covers an aligned block, CE 0xC7,
 * DP 0xB9 / RES 0xAB (+ wake-up delay), RSTEN 0x66 / RST 0x99, RDSFDP 0x5A
 * (JEDEC Basic Flash Parameter Table: density, erase types, page size, soft
 * reset, 4-byte addressing; 4-byte Address Instruction Table).
 *
 * Start-up (fk_nor_init), in this order because a chip may be anything when
 * the MCU resets: RDSR, and if an erase or program is still running (WIP),
 * wait for it (a busy chip answers RDID with garbage and ignores the rest);
 * RES (out of deep power-down); RDSFDP; 66h/99h when SFDP says the chip has
 * that soft reset (back to 3-byte, SPI, no continuous-read mode); RDID.
 *
 * Chips above 16 MiB need 4-byte addresses: the driver uses the dedicated
 * 4-byte opcodes (13h/0Ch read, 12h program, 21h/5Ch/DCh erase) when the
 * 4BAIT lists them, else enters 4-byte mode with B7h (WREN first where SFDP
 * says so) and keeps the usual opcodes; a chip that offers neither is
 * refused. The 4-byte opcodes need no mode, so an MCU reset cannot leave
 * the chip in a mode a boot ROM does not expect.
 *
 * prog and erase return as soon as the chip has accepted the command; the
 * driver waits for WIP to clear before its next command and in sync(). So
 * the chip's internal busy time can overlap with the caller's other work.
 */
#ifndef FOTAKIT_NOR_H
#define FOTAKIT_NOR_H

#include <stddef.h>
#include <stdint.h>

#include "fotakit/flash.h"
#include "fotakit/spi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opcodes */
#define FK_NOR_OP_WRSR 0x01
#define FK_NOR_OP_PP 0x02
#define FK_NOR_OP_READ 0x03
#define FK_NOR_OP_WRDI 0x04
#define FK_NOR_OP_RDSR 0x05
#define FK_NOR_OP_WREN 0x06
#define FK_NOR_OP_FAST_READ 0x0B
#define FK_NOR_OP_SE 0x20
#define FK_NOR_OP_BE32 0x52
#define FK_NOR_OP_RDSFDP 0x5A
#define FK_NOR_OP_RSTEN 0x66
#define FK_NOR_OP_RST 0x99
#define FK_NOR_OP_RDID 0x9F
#define FK_NOR_OP_RES 0xAB
#define FK_NOR_OP_DP 0xB9
#define FK_NOR_OP_CE 0xC7
#define FK_NOR_OP_BE64 0xD8
/* 4-byte addressing */
#define FK_NOR_OP_EN4B 0xB7
#define FK_NOR_OP_EX4B 0xE9
#define FK_NOR_OP_READ4 0x13
#define FK_NOR_OP_FAST_READ4 0x0C
#define FK_NOR_OP_PP4 0x12
#define FK_NOR_OP_SE4 0x21
#define FK_NOR_OP_BE32_4 0x5C
#define FK_NOR_OP_BE64_4 0xDC

/* Status register bits */
#define FK_NOR_SR_WIP 0x01
#define FK_NOR_SR_WEL 0x02
#define FK_NOR_SR_BP_MASK 0x3C /* BP0..BP3 (Macronix layout) */
#define FK_NOR_SR_SRWD 0x80

#define FK_NOR_MAX_ERASE_TYPES 4

struct fk_nor_erase_type {
    uint32_t size; /* bytes (power of two); 0 = unused slot */
    uint8_t opcode;
};

/* What the driver takes from a chip's SFDP (fk_nor_sfdp_parse_ex). */
struct fk_nor_sfdp {
    uint32_t size;       /* bytes (BFPT density) */
    uint32_t page_size;  /* bytes; 256 when the BFPT has no page-size field */
    struct fk_nor_erase_type erase[FK_NOR_MAX_ERASE_TYPES]; /* ascending, 3-byte opcodes */
    uint8_t erase_type[FK_NOR_MAX_ERASE_TYPES]; /* BFPT erase-type slot (0..3) of each */
    uint8_t addr_bytes;  /* BFPT dword 1 bits 18:17: 0 3-byte only, 1 3 or 4, 2 4 only */
    uint8_t enter4;      /* BFPT dword 16 bits 31:24 (FK_NOR_ENTER4_*); 0: older table */
    uint8_t soft_reset_66_99; /* 1: RSTEN 66h + RST 99h resets the chip */
    uint8_t has_4bait;   /* a 4-byte address instruction table was found */
    uint8_t op4_read;    /* 0x13 if listed, else 0 */
    uint8_t op4_fast_read; /* 0x0C if listed, else 0 */
    uint8_t op4_pp;      /* 0x12 if listed, else 0 */
    uint8_t op4_erase[FK_NOR_MAX_ERASE_TYPES]; /* 4-byte opcode per erase[] entry, 0: none */
    uint8_t major, minor;/* SFDP revision */
    uint8_t nph;         /* parameter headers the SFDP header announces */
    uint8_t bfpt_dwords;
};
#define FK_NOR_ENTER4_B7 0x01       /* issue B7h */
#define FK_NOR_ENTER4_WREN_B7 0x02  /* issue WREN, then B7h */
#define FK_NOR_ENTER4_OPCODES 0x20  /* dedicated 4-byte opcodes exist */
#define FK_NOR_ENTER4_ALWAYS 0x40   /* the chip always takes 4-byte addresses */

/* How the driver addresses the chip (struct fk_nor.addr_mode). */
enum fk_nor_addr_mode {
    FK_NOR_ADDR_3 = 0,       /* 3-byte addresses: up to 16 MiB */
    FK_NOR_ADDR_4_OPCODES,   /* 4-byte addresses with the 4-byte opcodes */
    FK_NOR_ADDR_4_MODE,      /* 4-byte mode entered with B7h; usual opcodes */
};

/* Configuration. Zero fields take defaults (in brackets) or come from SFDP. */
struct fk_nor_cfg {
    uint8_t jedec_id[3];
    uint8_t check_id;      /* 1: probe fails unless RDID returns jedec_id */
    uint32_t size;         /* bytes [SFDP density] */
    uint32_t erase_size;   /* smallest erase unit [SFDP smallest erase type] */
    uint32_t page_size;    /* [SFDP page size, else 256] */
    uint32_t write_size;   /* alignment the device advertises [1] */
    uint8_t use_fast_read; /* 1: FAST_READ 0x0B with one dummy byte, else READ 0x03 */
    uint8_t no_block_erase;/* 1: never use 0x52/0xD8 */
    uint8_t clear_protect; /* 1: clear block-protect bits at init, else report them */
    uint8_t no_sfdp;       /* 1: do not read SFDP (then size/erase_size must be given) */
    /* Timeouts for WIP polling, microseconds [page 10 ms, sector 400 ms,
     * block 4 s, chip 240 s] and poll interval [chosen per operation]. */
    uint32_t timeout_page_us;
    uint32_t timeout_sector_us;
    uint32_t timeout_block_us;
    uint32_t timeout_chip_us;
    uint32_t poll_us;
    uint32_t wake_us;      /* tRES1: release from deep power-down [35 us] */
    uint32_t reset_us;     /* tRST after 0x66/0x99 [50 us] */
    const char *name;      /* device name, e.g. "external_flash" */
    const char *desc;      /* e.g. "spi-nor on spi4" */
    const char *hint;      /* explanation hint when not ready [generic] */
};

struct fk_nor {
    struct fk_flash_dev dev; /* what the flash map uses; dev.ctx == this */
    const struct fk_spi_bus *bus;
    struct fk_nor_cfg cfg;
    uint8_t id[3];           /* as read at probe */
    uint8_t sr;              /* status register as last read */
    uint8_t maybe_busy;      /* a program/erase was issued and not yet seen finished */
    uint8_t asleep;          /* in deep power-down */
    uint8_t sfdp_ok;         /* BFPT was read and parsed */
    uint32_t busy_timeout_us;/* timeout for the operation in flight */
    uint32_t busy_poll_us;
    uint32_t page_size;
    struct fk_nor_erase_type erase[FK_NOR_MAX_ERASE_TYPES]; /* ascending size; opcodes as sent */
    uint8_t addr_mode;       /* enum fk_nor_addr_mode */
    uint8_t addr_len;        /* address bytes sent: 3 or 4 */
    uint8_t op_read, op_fast_read, op_pp; /* opcodes as sent (4-byte ones in FK_NOR_ADDR_4_OPCODES) */
    uint8_t soft_reset;      /* SFDP: 66h/99h resets the chip (used at init) */
    uint8_t enter4_wren;     /* FK_NOR_ADDR_4_MODE: WREN before B7h */
};

/* Probe the chip (wait while busy, release from deep power-down, SFDP unless
 * no_sfdp, soft reset where SFDP offers it, RDID and the expected-ID check,
 * geometry, 4-byte addressing above 16 MiB, block-protect check) and fill
 * nor->dev. On failure the device's state is FK_DEV_FAILED and dev.why says
 * what was observed (e.g. "JEDEC ID read ff ff ff, expected c2 28 15");
 * returns FK_EID, FK_EPROTECT, FK_ETIMEDOUT, FK_EIO, FK_ENOTSUP (no geometry,
 * or a chip above 16 MiB without a 4-byte method the driver knows). */
int fk_nor_init(struct fk_nor *nor, const struct fk_spi_bus *bus, const struct fk_nor_cfg *cfg);

int fk_nor_read_id(struct fk_nor *nor, uint8_t id[3]);
int fk_nor_read_sr(struct fk_nor *nor, uint8_t *sr);
/* WRSR, wait, then read the register back: FK_EIO (dev.why says what was
 * written and read) if a bit other than WIP/WEL did not take (e.g. SRWD set
 * with the WP# pin low: the chip ignores the write). */
int fk_nor_write_sr(struct fk_nor *nor, uint8_t sr);
/* Wait until WIP clears (FK_ETIMEDOUT after the in-flight op's timeout). */
int fk_nor_wait(struct fk_nor *nor);
int fk_nor_chip_erase(struct fk_nor *nor);
int fk_nor_deep_power_down(struct fk_nor *nor);
int fk_nor_release(struct fk_nor *nor); /* 0xAB + wake-up delay */
int fk_nor_reset(struct fk_nor *nor);   /* 0x66 0x99 + reset delay (4-byte mode re-entered) */
int fk_nor_read_sfdp(struct fk_nor *nor, uint32_t addr, void *buf, size_t len);

/* Parse an SFDP image (header at addr 0, as read with RDSFDP) of `len`
 * bytes: finds the JEDEC Basic Flash Parameter Table and returns density
 * (bytes), erase types (ascending size) and page size (256 when the table is
 * older than JESD216B). FK_ECORRUPT on a bad signature or table pointer. */
int fk_nor_sfdp_parse(const uint8_t *sfdp, size_t len, uint32_t *size,
                      struct fk_nor_erase_type erase[FK_NOR_MAX_ERASE_TYPES],
                      uint32_t *page_size);

/* The same from a whole SFDP image (as fk_nor_sfdp_parse), plus soft reset
 * and 4-byte addressing. A 4BAIT outside `len` is ignored (has_4bait 0). */
int fk_nor_sfdp_parse_ex(const uint8_t *sfdp, size_t len, struct fk_nor_sfdp *out);
/* A Basic Flash Parameter Table alone (`dwords` 32-bit words, as a
 * devicetree's sfdp-bfp property holds it). FK_ECORRUPT if under 9 dwords
 * or without density or erase types. */
int fk_nor_bfpt_parse(const uint8_t *bfpt, uint32_t dwords, struct fk_nor_sfdp *out);

/* Number of erase commands the driver issues for erase(off, len), with the
 * same block/sector choice as the driver (the simulation uses it to place a
 * torn erase). 0 if the request is not sector aligned. */
uint32_t fk_nor_erase_cmds(const struct fk_nor *nor, uint32_t off, size_t len);

#ifdef __cplusplus
}
#endif
#endif
