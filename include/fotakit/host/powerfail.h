/*
 * Host-only helpers for bootloader tests and benches (library
 * fotakit_boot_host): a simulated board + flash map built from a shared
 * layout, test images, and the power-loss harness.
 */
#ifndef FOTAKIT_BOOT_HOST_PF_H
#define FOTAKIT_BOOT_HOST_PF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/boot.h"
#include "fotakit/host/sim.h"

#define FK_ENV_MAX_AREAS 24

/* A checking wrapper around a simulated device: keeps a shadow of the
 * contents and counts physics violations the strict way (a program needing
 * a 0->1 bit, > 2 programs of a word between erases) and re-programs of an
 * already programmed byte (each byte is to be programmed at most once per
 * erase). The chip models run strict underneath (a violation also fails
 * the operation); the shadow is resynced from the chip after every power
 * restore. */
struct fk_chk_dev {
    struct fk_flash_dev dev;
    struct fk_flash_dev *inner;
    uint8_t *shadow;
    uint8_t *wcount; /* programs per 4-byte word since erase */
    uint64_t violations, reprogs;
};

/* A simulated device with a flash map. */
struct fk_env {
    struct fk_chk_dev chk[FK_BOARD_MAX_DEVS];
    char name[64];
    struct fk_board board;
    struct fk_sim_board sb;
    bool sb_built;
    struct fk_layout *layout; /* heap (large); NULL for hand-built maps */
    struct fk_flash_area areas[FK_ENV_MAX_AREAS];
    struct fk_flash_map map;
    struct fk_image_keyring keys;
    struct fk_image_key key;
    uint8_t key_der[160];
    struct fk_boot_config cfg;
    uint8_t work[4096]; /* cfg.buf: lets the swap overlap the two chips */
    char last_log[FK_BOOT_WHY_LEN];
    unsigned log_lines;
    bool echo; /* print log lines to stderr */
};

/* Shared layouts: "nrf52840-spi-nor-2mb", "nrf5340-spi-nor-2mb",
 * "nrf52840-internal-only" (files from FOTAKIT_SHARED_DIR/layouts), and
 * "compat-internal" (internal flash: primary 0x76000 at 0xc000, secondary
 * 0x75000 at 0x82000, built by hand), "tight-ext" (nrf52840 + NOR, 9-unit
 * slots: primary at 0xc000, secondary at 0 of the NOR chip). force_ws: 0 or a write size for every
 * device. Keyring: hash-only images accepted unless a key is loaded with
 * fk_env_trust_key(). */
int fk_env_open(struct fk_env *e, const char *shared_dir, const char *layout, uint32_t force_ws,
                char *err, size_t errlen);
void fk_env_close(struct fk_env *e);
/* Re-read every shadow from the chips and copy readiness state (after a
 * power restore or a test changed a device). */
void fk_env_resync(struct fk_env *e);
/* Sum of violations / re-programs over all devices. */
uint64_t fk_env_violations(const struct fk_env *e);
uint64_t fk_env_reprogs(const struct fk_env *e);
/* Trust one public key (DER file, e.g. ecdsa-p256.pub.der); hash-only then refused. */
int fk_env_trust_key(struct fk_env *e, const char *der_path);
const struct fk_flash_area *fk_env_area(struct fk_env *e, uint8_t id);

/* Erase what is needed and write `len` bytes at `off` of area `id`
 * (the whole units covering them are erased first). */
int fk_env_write(struct fk_env *e, uint8_t id, uint32_t off, const void *data, size_t len);
/* Erase a whole area. */
int fk_env_erase_area(struct fk_env *e, uint8_t id);

/* A hash-only test image of exactly `total` bytes (header 0x200 + payload
 * + TLVs), payload from `seed`, version major.0.0. malloc'ed. */
uint8_t *fk_test_image(uint32_t total, uint8_t major, uint32_t seed, uint32_t sec_cnt);

/* The same image encrypted as `fotakit image sign -E KEK` makes it:
 * ENC_KW TLV (AES-128 image key `aes_key`, wrapped with the 16-byte KEK in
 * the file `kek_path`), payload AES-CTR encrypted after hashing. *total is
 * rounded down (at most 15 bytes) so the payload is whole 16-byte blocks,
 * as sign -E pads it. *plain (malloc'ed) gets the image as the primary
 * holds it once decrypted (payload in clear). NULL on failure. */
uint8_t *fk_test_image_enc(uint32_t *total, uint8_t major, uint32_t seed, const char *kek_path,
                           const uint8_t aes_key[16], uint8_t **plain);
/* The 16-byte key-encryption key the power-cut harness and bench/swap use,
 * written once to a temporary file whose path is returned (static). */
const uint8_t *fk_test_kek(const char **path);

/* Snapshot / restore every device's contents (power back on, stats zeroed). */
struct fk_snap {
    unsigned n;
    uint8_t *mem[FK_BOARD_MAX_DEVS];
    size_t size[FK_BOARD_MAX_DEVS];
};
int fk_snap_take(struct fk_env *e, struct fk_snap *s);
void fk_snap_restore(struct fk_env *e, const struct fk_snap *s);
void fk_snap_free(struct fk_snap *s);

/* ---- power-loss harness ------------------------------------------------ */

enum fk_pf_scenario {
    FK_PF_TEST = 0,    /* test upgrade (boot), then it reverts */
    FK_PF_REVERT,      /* the revert boot after an unconfirmed test upgrade */
    FK_PF_PERM,        /* permanent upgrade (boot) */
    FK_PF_SETPEND,     /* the application's fk_boot_set_pending(test) */
    FK_PF_CONFIRM,     /* the application's fk_boot_confirm() */
    FK_PF_SETPEND_PERM, /* the application's fk_boot_set_pending(permanent) */
    FK_PF_OVERWRITE,   /* overwrite-only upgrade (boot) */
    FK_PF_SCENARIOS
};
const char *fk_pf_scenario_name(enum fk_pf_scenario s);

struct fk_pf_case {
    const char *layout;
    uint32_t force_ws;
    enum fk_pf_scenario scn;
    uint32_t old_len, new_len; /* image sizes */
    bool enc; /* both images encrypted (ENC_KW): the secondary must never hold
                 a plaintext block of either (checked after every cut and boot) */
    uint8_t kind_erase, weak_late; /* the board's torn-erase model (fk_sim_power:
                                      0, 0 = honest, weak cells lose bits at once) */
};

struct fk_pf_run {
    struct fk_env env;
    struct fk_pf_case c;
    struct fk_snap snap;  /* state before the action */
    uint8_t *old_img, *new_img; /* as the primary holds them (plaintext) */
    struct fk_image_enc_key dkey; /* the bootloader's KW key (enc cases) */
    uint32_t calls;       /* program/erase calls of the uncut action */
    char why[256];        /* first failure */
};

/* Build the initial state for the case; counts the action's calls. */
int fk_pf_prepare(struct fk_pf_run *r, const char *shared_dir, const struct fk_pf_case *c);
void fk_pf_release(struct fk_pf_run *r);
/* One trial: cut at call k (mode BEFORE or TEAR, seed), optionally a second
 * cut at call k2 of the recovery boot (0: none). Returns 0 pass, 1 fail
 * (r->why says why). */
int fk_pf_trial(struct fk_pf_run *r, uint32_t k, enum fk_sim_cut mode, uint64_t seed, uint32_t k2,
                uint64_t seed2);
/* Program/erase calls the recovery boot makes after a cut at k (for choosing k2). */
uint32_t fk_pf_recovery_calls(struct fk_pf_run *r, uint32_t k, enum fk_sim_cut mode, uint64_t seed);


/* ---- sweeps (shared by tests/boot and bench/powerfail) ------------------- */

struct fk_pf_sweep_opts {
    uint32_t stride;     /* every stride-th k for 4..8-sector images (1: all) */
    uint32_t offset;     /* first k = 1 + offset % stride */
    uint32_t big_stride; /* every big_stride-th k for the 460 KB image; 0: skip it */
    uint32_t doubles;    /* double-cut trials per image size */
    unsigned min_units, max_units; /* image sizes in sectors (4..8) */
    bool enc;            /* encrypted images (fk_pf_case.enc) */
    uint8_t kind_erase, weak_late; /* fk_pf_case's torn-erase model */
};

struct fk_pf_totals {
    uint64_t trials, failures, doubles;
    char first_failure[384];
};

/* Run the sweep for one layout / write size / scenario and add to *t. */
int fk_pf_sweep(const char *shared_dir, const char *layout, uint32_t ws, enum fk_pf_scenario scn,
                const struct fk_pf_sweep_opts *o, struct fk_pf_totals *t);

#endif
