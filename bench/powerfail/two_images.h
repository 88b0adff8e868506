/* bench/powerfail two-image rows (two_images.c): the virtual device with the
 * nRF5340 network core, a cut at every stride-th call of the boot that
 * updates both images. Prints its rows, adds to *all; 1 on a failure. */
#ifndef FK_PF_TWO_IMAGES_H
#define FK_PF_TWO_IMAGES_H

#include <stdbool.h>
#include <stdint.h>

struct fk_pf_totals; /* fotakit/host/powerfail.h */

int fk_pf_two_images_rows(bool json, uint32_t stride, struct fk_pf_totals *all);

#endif
