/*
 * Generic Cortex-M (ARMv7-M / ARMv8-M mainline) pieces every port shares:
 * the System Control Block, SysTick and NVIC registers, a 1 ms SysTick tick,
 * the jump to an image and SYSRESETREQ. Register addresses and fields from
 * the ARMv7-M Architecture Reference Manual (DDI 0403E): B3.2 System Control
 * Space, B3.3 SysTick, B3.4 NVIC. The same addresses hold on ARMv8-M
 * (nRF5340's Cortex-M33, secure view).
 */
#ifndef FOTAKIT_PORT_CORTEX_M_H
#define FOTAKIT_PORT_CORTEX_M_H

#include <stdint.h>

#define FK_CM_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* B3.2.2 System Control Space */
#define FK_CM_ICTR 0xE000E004u  /* Interrupt Controller Type: INTLINESNUM [3:0] */
#define FK_CM_ICSR 0xE000ED04u  /* Interrupt Control and State */
#define FK_CM_ICSR_PENDSTCLR (1u << 25)
#define FK_CM_ICSR_PENDSVCLR (1u << 27)
#define FK_CM_VTOR 0xE000ED08u  /* Vector Table Offset */
#define FK_CM_AIRCR 0xE000ED0Cu /* Application Interrupt and Reset Control */
#define FK_CM_AIRCR_VECTKEY (0x05FAu << 16)
#define FK_CM_AIRCR_PRIGROUP_MASK (7u << 8)
#define FK_CM_AIRCR_SYSRESETREQ (1u << 2)
#define FK_CM_CFSR 0xE000ED28u  /* Configurable Fault Status */
#define FK_CM_HFSR 0xE000ED2Cu  /* HardFault Status */
#define FK_CM_BFAR 0xE000ED38u  /* BusFault Address */

/* B3.3.2 SysTick */
#define FK_CM_SYST_CSR 0xE000E010u /* control and status */
#define FK_CM_SYST_CSR_ENABLE (1u << 0)
#define FK_CM_SYST_CSR_TICKINT (1u << 1)
#define FK_CM_SYST_CSR_CLKSOURCE (1u << 2) /* 1: processor clock */
#define FK_CM_SYST_CSR_COUNTFLAG (1u << 16)
#define FK_CM_SYST_RVR 0xE000E014u /* reload value (24 bits) */
#define FK_CM_SYST_CVR 0xE000E018u /* current value */

/* B3.4.3 NVIC: 16 banks of 32 lines each (fewer implemented; ICTR says) */
#define FK_CM_NVIC_ISER(n) (0xE000E100u + 4u * (n)) /* set-enable */
#define FK_CM_NVIC_ICER(n) (0xE000E180u + 4u * (n)) /* clear-enable */
#define FK_CM_NVIC_ICPR(n) (0xE000E280u + 4u * (n)) /* clear-pending */

/* Start a 1 ms SysTick interrupt from the processor clock `cpu_hz`
 * (cpu_hz / 1000 must fit SysTick's 24-bit reload). */
void fk_cm_systick_start(uint32_t cpu_hz);
/* Milliseconds counted by the SysTick handler since fk_cm_systick_start(). */
uint32_t fk_cm_ms(void);
/* The SysTick reload value in use (processor clocks per ms); the benches
 * read SysTick for finer counts. 0 before fk_cm_systick_start(). */
uint32_t fk_cm_systick_reload(void);

/* fk_port_jump()'s generic body (see fotakit/port.h for the contract). */
_Noreturn void fk_cm_jump(uintptr_t vtor);
/* AIRCR.SYSRESETREQ (keeps PRIGROUP); never returns. */
_Noreturn void fk_cm_sysreset(void);

#endif
