/*
 * qemu-mps2-an386 port extras beyond fotakit/port.h (used by the bench
 * firmware only).
 */
#ifndef FOTAKIT_PORT_MPS2_PORT_H
#define FOTAKIT_PORT_MPS2_PORT_H

#include <stdbool.h>

/* flash_primary erases wait one SysTick per eighth of a page (port.c) so a
 * power cut can land inside a swap step. The instruction-count bench turns
 * it off: under -icount, time asleep is not instructions. Default true. */
extern bool fk_mps2_erase_pacing;

#endif
