/*
 * nRF52840: the bootloader's flash locked by an ACL region (PS "ACL —
 * Access control lists"): write (and so erase) disabled, read and execute
 * kept, until the next reset. Registers: nrf52840_regs.h.
 */
#include "../nrf/nrf_port.h"
#include "fotakit/err.h"
#include "nrf52840_regs.h"

int fk_nrf_protect_boot(uint32_t off, uint32_t size)
{
    if (size == 0 || off % NRF_FLASH_PAGE_SIZE != 0 || size % NRF_FLASH_PAGE_SIZE != 0) {
        return FK_EALIGN;
    }
    /* The bootloader is the first to run after reset, so every region is
     * free; take the first one whose PERM reads 0 all the same. */
    for (uint32_t n = 0; n < NRF_ACL_COUNT; n++) {
        if (NRF_REG(NRF_ACL_PERM(n)) != 0 || NRF_REG(NRF_ACL_SIZE(n)) != 0) {
            continue;
        }
        NRF_REG(NRF_ACL_ADDR(n)) = NRF_FLASH_BASE + off;
        NRF_REG(NRF_ACL_SIZE(n)) = size;
        NRF_REG(NRF_ACL_PERM(n)) = NRF_ACL_PERM_WRITE_DISABLE;
        return NRF_REG(NRF_ACL_PERM(n)) == NRF_ACL_PERM_WRITE_DISABLE &&
                       NRF_REG(NRF_ACL_SIZE(n)) == size
                   ? FK_OK
                   : FK_EIO;
    }
    return FK_EIO;
}
