/*
 * bench/powerfail: cut power before program/erase call k for every k = 1..N
 * (and with call k torn), then a second cut at 32 seeded points of the
 * recovery boot, during a test upgrade, its revert, a permanent upgrade,
 * the application's set-pending write and its confirm write; on
 * nrf52840-spi-nor-2mb, nrf5340-spi-nor-2mb and nrf52840-internal-only, with
 * the board's write sizes and forced to 8; images of 4..8 sectors (every k)
 * and 460 KB (every 17th k); plus "tight-ext" (9-unit slots on two chips,
 * 6..7-unit images) where the two-chain schedule parks in the primary. The oracle is fk_pf_trial() (src/host/powerfail/powerfail.c).
 *
 * With --enc both images are encrypted (ENC_KW) and only the boot
 * scenarios run (test, revert, permanent, overwrite); every trial then also
 * checks, after each cut and each boot, that the secondary holds no
 * plaintext block of either image.
 *
 * The chip models tear erases honestly by default (fotakit/host/sim.h
 * "Weakly erased cells": a torn erase leaves weak cells that may read 0xff
 * and lose what is programmed there until erased again); --kind selects the
 * old model (torn erase = old-or-0xff bytes that hold later programs) for
 * comparison, --late the stricter one (bits lost at the next power-on, so a
 * read-back right after programming does not see it).
 *
 * Two-image rows (two_images.c): the nRF5340 with its network core, both
 * images updated in one boot, a torn cut at every call of it (--two: only
 * these rows; skipped with --enc or --layout).
 *
 *   powerfail [--json] [--enc] [--kind|--late] [--stride N] [--big-stride N] [--doubles N]
 *             [--layout NAME] [--two]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fotakit/host/powerfail.h"
#include "two_images.h"

int main(int argc, char **argv)
{
    bool json = false;
    struct fk_pf_sweep_opts o = {.stride = 1, .big_stride = 17, .doubles = 32, .min_units = 4, .max_units = 8};
    const char *only = NULL;
    bool two_only = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--two") == 0) {
            two_only = true;
        } else if (strcmp(argv[i], "--enc") == 0) {
            o.enc = true;
        } else if (strcmp(argv[i], "--kind") == 0) {
            o.kind_erase = 1;
        } else if (strcmp(argv[i], "--late") == 0) {
            o.weak_late = 1;
        } else if (i + 1 < argc && strcmp(argv[i], "--stride") == 0) {
            o.stride = (uint32_t)atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--big-stride") == 0) {
            o.big_stride = (uint32_t)atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--doubles") == 0) {
            o.doubles = (uint32_t)atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--layout") == 0) {
            only = argv[++i];
        } else {
            fprintf(stderr, "usage: powerfail [--json] [--enc] [--kind|--late] [--stride N] [--big-stride N] "
                            "[--doubles N] [--layout NAME] [--two]\n");
            return 2;
        }
    }
    if (o.stride == 0) {
        o.stride = 1;
    }
    /* tight-ext: 9-unit slots on two chips, so 7-unit swaps park in the primary */
    static const char *layouts[] = {"nrf52840-spi-nor-2mb", "nrf5340-spi-nor-2mb", "nrf52840-internal-only",
                                    "tight-ext"};
    static const uint32_t wss[] = {0, 8};
    struct fk_pf_totals all = {0};
    if (!json) {
        printf("power-loss sweep: cut before / torn at every program-erase call k (stride %u; 460 KB image stride %u),\n"
               "%u double cuts per image size; images of %u..%u sectors + 460 KB; torn erases: %s\n\n",
               o.stride, o.big_stride, o.doubles, o.min_units, o.max_units,
               o.kind_erase ? "kind model (old-or-0xff, hold later programs)"
               : o.weak_late ? "weak cells, bits lost at the next power-on"
                             : "weak cells, bits lost at once");
        printf("%-24s %-6s %-12s %9s %8s %9s %7s\n", "layout", "ws", "scenario", "trials", "doubles", "failures",
               "secs");
    }
    for (size_t l = 0; l < 4 && !two_only; l++) {
        if (only != NULL && strcmp(only, layouts[l]) != 0) {
            continue;
        }
        for (size_t w = 0; w < 2; w++) {
            for (int scn = 0; scn < FK_PF_SCENARIOS; scn++) {
                if (o.enc && scn != FK_PF_TEST && scn != FK_PF_REVERT && scn != FK_PF_PERM &&
                    scn != FK_PF_OVERWRITE) {
                    continue; /* the application's writes do not touch images */
                }
                struct fk_pf_totals t = {0};
                clock_t t0 = clock();
                struct fk_pf_sweep_opts lo = o;
                if (l == 3) { /* 6..7-unit images only; no 460 KB image in 9-unit slots */
                    lo.min_units = 6;
                    lo.max_units = 7;
                    lo.big_stride = 0;
                }
                int rc = fk_pf_sweep(FOTAKIT_SHARED_DIR, layouts[l], wss[w], (enum fk_pf_scenario)scn, &lo, &t);
                double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
                if (rc != FK_OK) {
                    t.failures++;
                }
                all.trials += t.trials;
                all.failures += t.failures;
                all.doubles += t.doubles;
                if (t.failures && all.first_failure[0] == '\0') {
                    memcpy(all.first_failure, t.first_failure, sizeof all.first_failure);
                }
                char ws[8];
                snprintf(ws, sizeof ws, "%s", wss[w] ? "8" : "board");
                if (json) {
                    printf("{\"layout\":\"%s\",\"write_size\":\"%s\",\"scenario\":\"%s\",\"encrypted\":%s,"
                           "\"erase_model\":\"%s\","
                           "\"trials\":%llu,\"double_cuts\":%llu,\"failures\":%llu,\"first_failure\":\"%s\"}\n",
                           layouts[l], ws, fk_pf_scenario_name((enum fk_pf_scenario)scn), o.enc ? "true" : "false",
                           o.kind_erase ? "kind" : o.weak_late ? "weak-late" : "weak",
                           (unsigned long long)t.trials, (unsigned long long)t.doubles,
                           (unsigned long long)t.failures, t.failures ? "see text output" : "");
                } else {
                    printf("%-24s %-6s %-12s %9llu %8llu %9llu %7.1f\n", layouts[l], ws,
                           fk_pf_scenario_name((enum fk_pf_scenario)scn), (unsigned long long)t.trials,
                           (unsigned long long)t.doubles, (unsigned long long)t.failures, secs);
                    if (t.failures) {
                        printf("  first failure: %s\n", t.first_failure);
                    }
                }
                fflush(stdout);
            }
        }
    }
    if (!o.enc && only == NULL) {
        (void)fk_pf_two_images_rows(json, o.stride, &all); /* counted in all */
    }
    if (json) {
        printf("{\"totals\":true,\"encrypted\":%s,\"trials\":%llu,\"double_cuts\":%llu,\"failures\":%llu}\n",
               o.enc ? "true" : "false", (unsigned long long)all.trials, (unsigned long long)all.doubles,
               (unsigned long long)all.failures);
    } else {
        printf("\ntotal: %llu trials (%llu double cuts), %llu failures\n", (unsigned long long)all.trials,
               (unsigned long long)all.doubles, (unsigned long long)all.failures);
        if (all.failures) {
            printf("first failure: %s\n", all.first_failure);
        }
    }
    return all.failures ? 1 : 0;
}
