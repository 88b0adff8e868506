/* Helpers shared by `fotakit smp` and `fotakit demo`. */
#ifndef FOTAKIT_CLI_SMP_H
#define FOTAKIT_CLI_SMP_H

#include "fotakit/host/client.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Progress bar with rate and ETA (only drawn when `tty`). */
struct fk_cli_progress {
    bool tty;
    double t0, last_draw;
    uint32_t first_done; /* done at the first callback (resume start) */
    bool started;
    uint32_t done, total;
};
void fk_cli_progress_init(struct fk_cli_progress *p, bool tty);
void fk_cli_progress_cb(void *arg, uint32_t done, uint32_t total);
void fk_cli_progress_end(struct fk_cli_progress *p);

void fk_cli_print_images(const struct fk_client_image_list *l);
/* Whole file, malloc'd; prints why on stderr and returns NULL on failure. */
uint8_t *fk_cli_read_file(const char *path, size_t *len);

#endif
