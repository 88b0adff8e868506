/* Internals of the virtual device. */
#ifndef FOTAKIT_DEVICE_PRIV_H
#define FOTAKIT_DEVICE_PRIV_H

#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/err.h"
#include "fotakit/flash.h"
#include "fotakit/image.h"
#include "fotakit/host/layout.h"
#include "fotakit/host/sim.h"

#include <pthread.h>
#include <stdio.h>

/* Largest SMP packet the transports carry (the server's own buffer decides
 * what it accepts; larger requests get MGMT_ERR_EMSGSIZE from it). */
#define FK_DEV_PKT_MAX 8192
/* What the SMP server advertises in mcumgr_params by default. */
#define FK_DEV_BUF_SIZE 2048
#define FK_DEV_BUF_COUNT 8

#if defined(__GNUC__)
#define FK_DEV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define FK_DEV_PRINTF(a, b)
#endif

struct fk_device {
    struct fk_device_cfg cfg;
    struct fk_layout layout;
    struct fk_board board;
    struct fk_sim_board sb;
    bool sb_built;
    struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS];
    struct fk_flash_area *areas;
    size_t nareas;
    struct fk_flash_map map;
    /* trusted keys */
    uint8_t *key_der[FK_DEVICE_MAX_KEYS];
    struct fk_image_key keys[FK_DEVICE_MAX_KEYS];
    struct fk_image_keyring ring;
    /* application state (rebuilt at every boot, as RAM is) */
    struct fk_dev_app *app;
    bool reset_pending;
    uint8_t boot_mode; /* retained RAM: SMP reset "boot_mode" for the next boot (lost at power cut) */
    unsigned boots;
    struct fk_device_boot_report last; /* guarded by lock */
    pthread_mutex_t lock;
    double rt_last_us; /* --realtime: modeled time already slept for */
    uint32_t cut_request; /* guarded by lock: arm a power cut at the next request */
    bool cut_pending;     /* guarded by lock */
    bool power_was_cut;   /* the next boot follows a power cut */
};

int fk_dev_keys_load(struct fk_device *d, char *err, size_t errlen);
void fk_dev_keys_free(struct fk_device *d);
/* The application (SMP server) side: init once, start after each boot. */
int fk_dev_app_init(struct fk_device *d);
void fk_dev_app_free(struct fk_device *d);

/* The application's SMP server (for transports that drive it directly,
 * like the BLE transport); re-initialised at every boot. */
struct fk_smp_server *fk_dev_app_server(struct fk_device *d);
/* Nothing to serve: one step of the SMP server's idle work (background
 * erase with fast_erase). */
void fk_dev_idle(struct fk_device *d);
/* Serve over the blesim socket (serve_ble.c), booting first like
 * fk_device_serve. */
int fk_dev_serve_ble(struct fk_device *d, struct fk_device_run *run);
/* Model of a stock MCUboot in mode `mode` (mcuboot_model.c): performs the
 * swap / overwrite / slot choice the mode would, then says which slot runs
 * and where its image starts. FK_OK when an image is to run; *reason is
 * the enum fk_boot_reason naming what it did; why gets the decision. */
int fk_dev_mcuboot_boot(struct fk_device *d, enum fk_bl mode, int *slot, uint32_t *off,
                        int *reason, char *why, size_t wn);

void fk_dev_log(struct fk_device *d, const char *fmt, ...) FK_DEV_PRINTF(2, 3);
/* -v: one line for a request and its answer (reqlog.c). */
void fk_dev_log_request(struct fk_device *d, const uint8_t *req, size_t len, const uint8_t *rsp,
                        size_t rsp_len, double flash_ms);
/* --realtime: sleep for the flash time modeled since the last call. */
void fk_dev_realtime_sleep(struct fk_device *d);
/* Same, but return the seconds to wait (0 without --realtime) instead. */
double fk_dev_realtime_take(struct fk_device *d);
/* PATH is a symlink to a pseudo-terminal slave (one we made earlier). */
bool fk_dev_is_our_link(const char *path);

#endif
