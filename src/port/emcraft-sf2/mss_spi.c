/*
 * MSS SPI_0 as a fotakit SPI bus (see mss_spi.h). Registers: sf2_regs.h.
 *
 * One byte at a time: write TX_DATA, wait until RX_DATA holds the byte that
 * came back, read it. The RX FIFO (4 frames deep without BIGFIFO) can then
 * never overflow, and every byte a chip returns is accounted for.
 */
#include "mss_spi.h"

#include "fotakit/err.h"
#include "sf2_regs.h"

/* A frame takes at most a few SPI clocks; a bound only guards against a
 * controller that never answers (FK_EIO then). */
#define SF2_SPI_POLLS 100000u

static int spi_byte(uint8_t out, uint8_t *in)
{
    SF2_REG(SF2_SPI_TX_DATA) = out;
    for (uint32_t i = 0; i < SF2_SPI_POLLS; i++) {
        if (!(SF2_REG(SF2_SPI_STATUS) & SF2_SPI_STAT_RXFIFOEMP)) {
            *in = (uint8_t)SF2_REG(SF2_SPI_RX_DATA);
            return FK_OK;
        }
    }
    return FK_EIO;
}

static int sf2_transceive(void *ctx, const struct fk_spi_xfer *xfers, size_t n)
{
    (void)ctx;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        total += xfers[i].len;
    }
    if (total == 0 || total > SF2_SPI_CTRL_FRAMECNT_MAX) {
        return FK_EINVAL;
    }
    /* Writing CONTROL loads the frame counter: SS stays asserted (SPS) from
     * the first TX byte until `total` frames have gone out. */
    SF2_REG(SF2_SPI_CONTROL) = SF2_SPI_CTRL_ENABLE | SF2_SPI_CTRL_MASTER | SF2_SPI_CTRL_SPS |
                               ((uint32_t)total << SF2_SPI_CTRL_FRAMECNT_SHIFT);
    int rc = FK_OK;
    for (size_t i = 0; i < n && rc == FK_OK; i++) {
        const uint8_t *tx = xfers[i].tx;
        uint8_t *rx = xfers[i].rx;
        for (size_t k = 0; k < xfers[i].len && rc == FK_OK; k++) {
            uint8_t in = 0;
            rc = spi_byte(tx ? tx[k] : 0xffu, &in);
            if (rx) {
                rx[k] = in;
            }
        }
    }
    SF2_REG(SF2_SPI_INT_CLEAR) = SF2_SPI_INT_TXDONE | SF2_SPI_INT_RXRDY | SF2_SPI_INT_RXOVERFLOW;
    return rc;
}

/* Busy-wait: about 4 cycles per iteration at the M2S010's 142 MHz. Under
 * QEMU the time is meaningless; the NOR model never reports busy. */
static void sf2_delay_us(void *ctx, uint32_t us)
{
    (void)ctx;
    for (volatile uint32_t i = 0; i < us * 36u; i++) {
    }
}

void sf2_spi_init(struct fk_spi_bus *bus)
{
    /* Reset the block, then master mode while disabled (TXRXDF_SIZE is only
     * writable with ENABLE clear), 8-bit frames, slave select 0. */
    SF2_REG(SF2_SPI_CONTROL) = SF2_SPI_CTRL_RESET;
    SF2_REG(SF2_SPI_CONTROL) = SF2_SPI_CTRL_MASTER | (1u << SF2_SPI_CTRL_FRAMECNT_SHIFT);
    SF2_REG(SF2_SPI_TXRXDF_SIZE) = 8u;
    SF2_REG(SF2_SPI_SLAVE_SELECT) = 1u;
    bus->transceive = sf2_transceive;
    bus->delay_us = sf2_delay_us;
    bus->ctx = 0;
}
