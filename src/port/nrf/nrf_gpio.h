/*
 * GPIO pins of a Nordic chip (nRF52840, nRF5340): pin = port * 32 + number.
 * Register addresses from the chip header named by FK_NRF_REGS.
 */
#ifndef FOTAKIT_PORT_NRF_GPIO_H
#define FOTAKIT_PORT_NRF_GPIO_H

#include <stdint.h>

#include FK_NRF_REGS /* e.g. "../nrf52840/nrf52840_regs.h", set per chip */

#define NRF_PIN_PORT(pin) ((uint32_t)(pin) >> 5)
#define NRF_PIN_NUM(pin) ((uint32_t)(pin) & 31u)

static inline void fk_nrf_gpio_write(uint8_t pin, int level)
{
    if (level) {
        NRF_REG(NRF_GPIO_OUTSET(NRF_PIN_PORT(pin))) = 1u << NRF_PIN_NUM(pin);
    } else {
        NRF_REG(NRF_GPIO_OUTCLR(NRF_PIN_PORT(pin))) = 1u << NRF_PIN_NUM(pin);
    }
}

/* Output at `level` (set before the direction, so no glitch); `extra`:
 * more PIN_CNF bits, e.g. NRF_GPIO_PIN_CNF_DRIVE_H0H1. */
static inline void fk_nrf_gpio_output(uint8_t pin, int level, uint32_t extra)
{
    fk_nrf_gpio_write(pin, level);
    NRF_REG(NRF_GPIO_PIN_CNF(NRF_PIN_PORT(pin), NRF_PIN_NUM(pin))) =
        NRF_GPIO_PIN_CNF_DIR_OUTPUT | extra;
}

/* Input with its buffer connected; `extra`: e.g. NRF_GPIO_PIN_CNF_PULLUP. */
static inline void fk_nrf_gpio_input(uint8_t pin, uint32_t extra)
{
    NRF_REG(NRF_GPIO_PIN_CNF(NRF_PIN_PORT(pin), NRF_PIN_NUM(pin))) = extra;
}

#endif
