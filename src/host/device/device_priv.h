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

/* Areas in one image's view of the map: its two slots and the shared
 * bootloader, scratch and counters areas. */
#define FK_DEV_VIEW_AREAS 5

/* The PCD command as the application core writes it into shared SRAM
 * (sdk-nrf include/dfu/pcd.h: magic, data, len, offset; the SHA-256 as the
 * netboot sample's README describes the configuration). Lost at power loss. */
struct fk_pcd_cmd {
    uint32_t magic;
    uint32_t src;     /* offset of the data in the RAM partition (after the MCUboot header) */
    uint32_t len;     /* ih_img_size */
    uint8_t ver[8];   /* the MCUboot header's version (for the model's record) */
    uint8_t sha[32];  /* SHA-256 of the data */
};

/* Image 1 as the nRF5340 network core (netcore.c). */
struct fk_dev_net {
    bool pcd;          /* image 1's primary is RAM (volatile) and the board has a network core */
    int ram_dev;       /* board device index of the RAM partition's device, or -1 */
    int net_dev;       /* board device index of the network core's flash, or -1 */
    struct fk_flash_area img1_areas[FK_DEV_VIEW_AREAS]; /* image 1's view (fk_flash_map_image) */
    struct fk_flash_map img1_map;
    const struct fk_flash_area *ram; /* image 1's primary in that view (mcuboot_primary_1) */
    struct fk_flash_area app; /* the network core's application area (after b0n's container) */
    struct fk_flash_area rec; /* the model's validation record page (the last page) */
    struct fk_pcd_cmd cmd;
    unsigned handovers;       /* hand-overs started (this process) */
    double last_handover_s;   /* the last one's modeled duration as the app core polls it */
    uint32_t copy_first, copy_ops; /* the last copy: its first call (fk_dev_flash_ops) and count */
    bool refused;             /* the last hand-over: b0n refused an image too large for it */
    uint8_t *buf;             /* working copy of an image (buf_size + 4 bytes) */
    uint32_t buf_size;
};

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
    uint32_t cut_again;   /* guarded by lock: cut the bootloader's restart at this call */
    bool power_was_cut;   /* the next boot follows a power cut */
    unsigned images;      /* images the layout has (1 or 2) */
    struct fk_dev_net net;
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

/* The network core (netcore.c): init after the map is built; power_on at
 * every boot before the bootloader (RAM erased, PCD command gone); copied
 * is image 1's cfg->copied (the PCD hand-over); boot reports what b0n
 * starts after the bootloader ran. */
int fk_dev_net_init(struct fk_device *d, char *err, size_t errlen);
void fk_dev_net_free(struct fk_device *d);
/* Program + erase calls on every device so far. */
uint32_t fk_dev_flash_ops(const struct fk_device *d);
void fk_dev_net_power_on(struct fk_device *d);
int fk_dev_net_copied(void *ctx, const struct fk_flash_area *pri, uint32_t len);
void fk_dev_net_boot(struct fk_device *d, struct fk_device_boot_report *rep);

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
