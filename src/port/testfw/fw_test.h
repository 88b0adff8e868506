/*
 * A test reporter for firmware that runs a driver's tests on an emulated CPU
 * (QEMU) and prints the results on the board's UART, one line per check:
 *
 *   ok <name>
 *   FAIL <name>: got <value>, want <value>
 *   info <name>: <text>
 *   END pass=<n> fail=<m>
 *
 * The host script (scripts/qemu-nor-test, scripts/qemu-nvmc-test) reads the
 * lines, fails on any FAIL line or a missing END line, and checks the flash
 * contents the firmware left behind. Device code: no heap, no stdio; text is
 * built with fk_sb and written through the board's putc.
 */
#ifndef FOTAKIT_PORT_FW_TEST_H
#define FOTAKIT_PORT_FW_TEST_H

#include <stddef.h>
#include <stdint.h>

struct fk_fwt {
    void (*putc)(char c); /* blocking UART output of one byte */
    uint32_t pass;
    uint32_t fail;
};

/* One line "info <name>: <text>". */
void fk_fwt_info(struct fk_fwt *t, const char *name, const char *text);
/* Passes when got == want (both printed in hex on failure). Returns 1 on pass. */
int fk_fwt_eq(struct fk_fwt *t, const char *name, uint32_t got, uint32_t want);
/* fotakit error codes: printed by name (FK_OK, FK_EPROTECT, ...). */
int fk_fwt_rc(struct fk_fwt *t, const char *name, int got, int want);
/* Passes when the n bytes are equal; on failure names the first differing
 * offset and both bytes. */
int fk_fwt_mem(struct fk_fwt *t, const char *name, const void *got, const void *want, size_t n);
/* Passes when all n bytes equal `val`. */
int fk_fwt_fill(struct fk_fwt *t, const char *name, const void *got, uint8_t val, size_t n);
/* Prints "END pass=<n> fail=<m>"; returns the number of failures. */
uint32_t fk_fwt_end(struct fk_fwt *t);

#endif
