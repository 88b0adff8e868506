/* The fotakit CLI run from the device tests (tests/device only). */
#ifndef FOTAKIT_TESTS_DEV_CLI_H
#define FOTAKIT_TESTS_DEV_CLI_H

#include <stddef.h>

/* Run `fotakit ARGS` from the build tree; its stdout+stderr go into out
 * (NUL-terminated, cut at cap-1 bytes). Returns the exit code, -1 when it
 * did not exit normally. Fails the test when it cannot be started. */
int dev_cli(const char *args, char *out, size_t cap);

#endif
