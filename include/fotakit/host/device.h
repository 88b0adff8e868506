/*
 * fotakit virtual device (host only; library fotakit_device_host): simulated
 * flash chips whose contents live in files of a state directory, fotakit's
 * bootloader run on them, and the "application" on top of what it booted:
 * the SMP server, reachable over UDP or a serial pseudo-terminal.
 *
 *     struct fk_device *d;
 *     struct fk_device_cfg cfg = {.layout = L, .board = B, .state_dir = DIR, ...};
 *     fk_device_open(&d, &cfg, err, sizeof err);   // builds the chips
 *     fk_device_boot(d);                           // bootloader, then app
 *     fk_device_serve(d, &run);                    // SMP until stopped
 *     fk_device_close(d);
 *
 * An SMP reset request makes the loop re-enter the bootloader (swap, revert,
 * ...) and restart the application, as a real device would. The chips' files
 * persist, so a second `fotakit device run` continues where the last left.
 */
#ifndef FOTAKIT_DEVICE_H
#define FOTAKIT_DEVICE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fotakit/mcuboot_mode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_DEVICE_MAX_KEYS 8

struct fk_device_cfg {
    const char *layout;    /* pm_static.yml */
    const char *board;     /* *.board.yml */
    const char *state_dir; /* chip files <state_dir>/<device>.bin (created erased) */
    const char *keys[FK_DEVICE_MAX_KEYS]; /* trusted public (or private) key files, PEM/DER */
    unsigned nkeys;
    bool allow_hash_only;  /* development: boot images with only a SHA256 TLV */
    bool confirm_on_boot;  /* the application confirms itself once it runs */
    bool realtime;         /* sleep for the modeled duration of flash work */
    FILE *log;             /* boot and event log (NULL: stderr) */
    bool quiet;            /* no log lines */
    uint32_t buf_size;     /* SMP buffer (mcumgr_params buf_size); 0: 2048 */
    bool smp_no_header_check; /* tests only: accept uploads that are not images */
    const char *dead;      /* simulate a dead chip: this board device never answers */
    bool smp_rsn_v2;       /* FK_SMP_F_RSN_V2: "rsn" in SMP v2 group errors too */
    bool verbose;          /* -v: one log line per SMP request (version, group/command,
                              sequence, lengths, result, modeled flash time) */
    /* The bootloader the device runs (fotakit/mcuboot_mode.h): FK_BL_FOTAKIT
     * (0, default: fotakit's fk_boot_go), FK_BL_FOTAKIT_OVERWRITE, or a
     * stock MCUboot mode, run as a model written from MCUboot's design
     * document (src/host/device/mcuboot_model.c; not MCUboot itself). The
     * SMP server is configured for the same row. */
    enum fk_bl bootloader;
    uint32_t max_img_sectors; /* MCUboot's BOOT_MAX_IMG_SECTORS (0: the slot's sector count) */
    bool fast_erase;       /* FK_SMP_F_FAST_ERASE: erase-ahead in blocks, background erase of
                              the unused slot after a confirm while idle (docs/ble.md) */
    /* Serial recovery (docs/recovery.md): the bootloader is built with it.
     * When nothing is bootable, the bootloader itself serves SMP with
     * uploads straight into the primary (FK_SMP_F_RECOVERY), as
     * fotakit-boot-recovery and MCUboot's serial recovery do; without it the
     * device runs its SMP application server anyway (uploads to slot 1). */
    bool serial_recovery;
    /* The recovery button is held at the first power-on (`fotakit device
     * run --recovery`): the bootloader enters serial recovery without
     * booting or swapping anything; released afterwards, so the reset that
     * ends recovery boots normally. Implies serial_recovery. */
    bool recovery_button;
};

/* What the bootloader did at one boot. */
struct fk_device_boot_report {
    unsigned boot_no;         /* 1 = first boot of this process */
    bool after_power_cut;     /* this boot follows a power cut */
    int rc;                   /* fk_boot_go's result */
    char decision[256];       /* the boot log's decision line(s), joined */
    char version[32];         /* version of the image started ("" if none) */
    uint8_t hash[32];         /* its SHA256 TLV */
    bool running;             /* an image was started */
    int slot;                 /* the slot it runs from (0; direct-xip / RAM load: 0 or 1) */
    bool recovery;            /* the bootloader stayed in serial recovery (nothing started) */
    int reason;               /* enum fk_boot_reason of the boot (fotakit/boot.h) */
    double modeled_sum_s;     /* flash time during this boot: plain sum */
    double modeled_overlap_s; /* flash time with the NOR chip overlapped */
    uint64_t erases[4];       /* erase calls per device during this boot */
    uint32_t max_page_erases; /* most erases any internal page got (since the
                                 state dir was created in this process) */
    /* Two images (a layout with mcuboot_primary_1 / mcuboot_secondary_1): */
    unsigned images;          /* 1 or 2 */
    int rc1;                  /* image 1's fk_boot_go result (images == 2) */
    int reason1;              /* its enum fk_boot_reason */
    char decision1[192];      /* its decision line */
    bool held;                /* an unmet dependency held every upgrade (boot_multi.h) */
    /* The nRF5340 network core (image 1 through PCD, docs/device.md): */
    bool net;                 /* this device has one */
    bool net_handover;        /* this boot handed an image over and b0n answered DONE */
    bool net_running;         /* b0n found an intact image in its flash and starts it */
    char net_version[32];     /* its version ("" if none) */
    uint8_t net_hash[32];     /* SHA-256 of its payload (what b0n checked) */
    /* Flash program/erase calls during this boot (every device, every
     * attempt when a power cut made the bootloader start again), and where
     * the network core's copy began among them (1-based; 0: no copy) and
     * how many calls it made, in the last attempt. A power cut armed with
     * fk_device_power_cut_after(k) before an SMP reset falls on call k of
     * the boot that follows. */
    uint32_t flash_ops;
    uint32_t net_copy_first, net_copy_ops;
    unsigned cuts;            /* power cuts that stopped the bootloader during this boot */
};

struct fk_device;

int fk_device_open(struct fk_device **out, const struct fk_device_cfg *cfg, char *err, size_t errlen);
void fk_device_close(struct fk_device *d);

/* Factory programming: write `img` at the start of the primary slot (the
 * slot's sectors it covers are erased first; trailer left erased). */
int fk_device_flash_image(struct fk_device *d, const uint8_t *img, size_t len, char *err, size_t errlen);

/* Factory programming of the nRF5340 network core (image 1 handed over
 * through PCD): the image's payload goes into the network core's flash as
 * b0n writes it after a hand-over. FK_ENOENT when the device has no network
 * core (the layout's mcuboot_primary_1 must sit on a `volatile: true` board
 * device and the board have a `core: network` device). */
int fk_device_flash_netcore(struct fk_device *d, const uint8_t *img, size_t len, char *err,
                            size_t errlen);

/* Stage an update without SMP (benches, tests): write `img` into image
 * `image`'s secondary slot where an upload puts it and mark it pending, as
 * an upload plus `image test` (permanent = false) or `image confirm HASH`
 * (true) leave it. fotakit's own bootloaders only (FK_ENOTSUP otherwise);
 * FK_EINVAL for an image the layout lacks, FK_ENOSPC when it does not fit. */
int fk_device_stage(struct fk_device *d, unsigned image, const uint8_t *img, size_t len,
                    bool permanent, char *err, size_t errlen);

/* Power-on / reset: run the bootloader, then start the application (the SMP
 * server) on what it booted. Fills *rep when not NULL. Returns the boot's rc
 * (the device still serves SMP when no image could be started, so that an
 * image can be uploaded: like a bootloader with serial recovery). */
int fk_device_boot(struct fk_device *d, struct fk_device_boot_report *rep);

/* One SMP packet in, the answer out (0: no answer). Sets the reset flag when
 * the request was an OS reset. Exposed for tests that bypass transports. */
size_t fk_device_handle(struct fk_device *d, const uint8_t *req, size_t len, uint8_t *rsp, size_t cap);
bool fk_device_reset_pending(const struct fk_device *d);

struct fk_device_run {
    const char *udp;       /* "HOST:PORT" to bind (PORT 0: any free port) */
    const char *serial;    /* a tty to open, or a path where a pty's slave is linked */
    const char *ble;       /* a unix socket path: the SMP characteristic over the blesim
                              link (fotakit/host/blesim.h); paced with --realtime */
    const char *ble_profile; /* link model profile for the pacing (NULL: "phone") */
    unsigned baud;         /* --realtime on a pty: pace the line at this rate (0: 115200) */
    int max_resets;        /* stop after this many SMP resets (0: never) */
    volatile sig_atomic_t *stop; /* set non-zero to stop (signal handler, test) */
    /* Filled once the transport is up (before serving): */
    unsigned udp_port;     /* the bound port */
    char serial_path[256]; /* the pty slave's name */
    /* Called when the transport is up (e.g. to signal a waiting thread). */
    void (*ready)(void *arg, struct fk_device_run *run);
    void *ready_arg;
    /* Called after every boot (including the first one done by serve). */
    void (*booted)(void *arg, const struct fk_device_boot_report *rep);
    void *booted_arg;
};

/* Boot (once), then serve SMP until *stop, max_resets, or a transport error.
 * Each SMP reset re-runs fk_device_boot after the answer went out. */
int fk_device_serve(struct fk_device *d, struct fk_device_run *run);

/* Cut the power in the middle of the k-th flash program/erase call from now
 * (1-based; the operation is torn, as the simulation's injector does). The
 * request being handled gets no answer; the device restarts (bootloader
 * first) as if power came back. Safe to call from another thread: it takes
 * effect at the next request, or at the next fk_device_boot() when that
 * comes first (the cut then falls on the boot's call k; the bootloader
 * starts again after it). k = 0 disarms. */
void fk_device_power_cut_after(struct fk_device *d, uint32_t k);
/* A second cut: when a cut stops the bootloader, its restart (power back)
 * is cut too, in the middle of its j-th program/erase call (torn, another
 * seed). Disarmed when that restart ends without reaching call j. j = 0:
 * none (the default; each first cut consumes it). */
void fk_device_power_cut_again(struct fk_device *d, uint32_t j);

/* With fast_erase: the background erase of slot 1 has finished (the next
 * upload only programs). A snapshot, safe to poll from another thread. */
bool fk_device_slot1_pre_erased(struct fk_device *d);

/* The last boot's report (copy; safe to call from another thread). */
void fk_device_last_boot(struct fk_device *d, struct fk_device_boot_report *rep);

/* Modeled flash time since the device was opened (seconds): plain sum and
 * with the NOR chip's busy time overlapped; erase calls per board device. */
struct fk_device_flash_stats {
    double sum_s, overlap_s;
    unsigned ndevs;
    char name[4][48];
    uint64_t erase_calls[4], prog_bytes[4];
    uint32_t max_sector_erases[4]; /* most erases any one sector/page got */
    uint32_t sector_size[4];
};
void fk_device_flash_stats(struct fk_device *d, struct fk_device_flash_stats *st);

/* Run fk_device_serve in a thread (for the demo, tests and benches): returns
 * once the transport is up and the first boot is done (run->udp_port /
 * run->serial_path filled). run->stop may be NULL (the thread has its own). */
struct fk_device_thread;
int fk_device_spawn(struct fk_device *d, struct fk_device_run *run, struct fk_device_thread **out);
/* Stop the loop and join; returns fk_device_serve's result. */
int fk_device_join(struct fk_device_thread *t);

/* ../shared as configured at build time (FOTAKIT_SHARED_DIR). */
const char *fk_device_shared_dir(void);

#ifdef __cplusplus
}
#endif
#endif
