/*
 * nRF5340: the bootloader's flash locked through the SPU's flash regions
 * (PS "SPU — System protection unit"): each 16 KB region it covers becomes
 * secure, readable and executable, not writable, and LOCKed until the next
 * reset. Registers: nrf5340_regs.h.
 */
#include "../nrf/nrf_port.h"
#include "fotakit/err.h"
#include "nrf5340_regs.h"

#define PERM_BOOT (NRF_SPU_PERM_EXECUTE | NRF_SPU_PERM_READ | NRF_SPU_PERM_SECATTR | NRF_SPU_PERM_LOCK)

int fk_nrf_protect_boot(uint32_t off, uint32_t size)
{
    if (size == 0 || off % NRF_SPU_FLASHREGION_SIZE != 0 || size % NRF_SPU_FLASHREGION_SIZE != 0 ||
        (off + size) / NRF_SPU_FLASHREGION_SIZE > NRF_SPU_FLASHREGION_COUNT) {
        return FK_EALIGN;
    }
    int rc = FK_OK;
    for (uint32_t n = off / NRF_SPU_FLASHREGION_SIZE; n < (off + size) / NRF_SPU_FLASHREGION_SIZE;
         n++) {
        NRF_REG(NRF_SPU_FLASHREGION_PERM(n)) = PERM_BOOT;
        if ((NRF_REG(NRF_SPU_FLASHREGION_PERM(n)) & PERM_BOOT) != PERM_BOOT) {
            rc = FK_EIO;
        }
    }
    return rc;
}
