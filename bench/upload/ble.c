/*
 * bench/upload --ble: SMP uploads over Bluetooth LE in fotakit's link model
 * (fotakit/host/ble_link.h), first against the upload rates users report
 * for mcumgr over BLE (calibration: one phone profile, only window, chunk
 * and reassembly vary), then fotakit's own case: the seed board's
 * MX25R1635F on SPIM4, 2M PHY, DLE 251, MTU 498, 15 ms, for a pre-erased
 * and a dirty secondary slot at typical and maximum datasheet timings.
 * Everything here is computation: no radio, no device (docs/ble.md).
 */
#include "ble_bench.h"

#include "fotakit/board.h"
#include "fotakit/host/ble_link.h"
#include "fotakit/host/client.h"
#include "fotakit/host/device.h"
#include "fotakit/host/image.h"
#include "fotakit/host/layout.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int measured(bool json, const char *board_path);

/* Device CPU per request (CBOR decode, bookkeeping, answer encode) and per
 * data byte (copies), assumed for a Cortex-M33 at 64-128 MHz. */
#define CPU_REQ_S 0.0003
#define CPU_BYTE_S 20e-9
#define REQ_OVERHEAD 40 /* SMP header + upload keys besides "data" (first chunk: +len/sha) */
#define RSP_LEN 20      /* {"rc": 0, "off": N} with its header */
#define KB 1000.0

/* ---- device models ---------------------------------------------------- */

/* The reporting devices, as Zephyr runs an upload by default: the
 * secondary slot on the same kind of SPI NOR, erased one 4 KB sector at a
 * time as the upload reaches it (CONFIG_IMG_ERASE_PROGRESSIVELY), every
 * erase and page program waited for before the answer goes out (the
 * spi_nor driver is synchronous). Typical datasheet timings. */
struct sync_dev {
    double se_s, pp_s, spi_hz;
    uint32_t page, erased_to;
};

static double sync_req(void *arg, double start, uint32_t off, uint32_t len)
{
    (void)start;
    struct sync_dev *d = arg;
    double t = CPU_REQ_S + len * CPU_BYTE_S;
    while (d->erased_to < off + len) {
        t += d->se_s;
        d->erased_to += 0x1000;
    }
    return t + (double)len / d->page * d->pp_s + (len + 4.0 * ((len + d->page - 1) / d->page)) * 8 / d->spi_hz;
}

/* fotakit on the seed board: the secondary slot on the SPI NOR. The driver
 * returns once a command is on the bus; the chip then works on its own
 * (busy) and the next command waits for it. Dirty slot: erase ahead with
 * the largest block that fits, issued whenever the chip falls idle, so
 * erases run while packets arrive; pre-erased slot (the background erase
 * after the last confirm did it): programs only. */
struct nor_dev {
    double se_s, be32_s, be64_s, pp_s, spi_hz;
    uint32_t page, slot_size, base; /* image starts `base` into the slot */
    bool dirty;
    uint32_t erased_to;  /* slot offset erased so far (dirty slot) */
    double chip_free;    /* when the chip finishes its current operation */
    double erase_s, program_s, cpu_s, wait_s;
    unsigned erases[3];  /* 4K, 32K, 64K */
};

static double spi_s(const struct nor_dev *d, uint32_t bytes)
{
    return bytes * 8.0 / d->spi_hz;
}

/* Start the next erase (largest block that is aligned and fits) when the
 * chip is idle at or after time t. */
static void nor_erase_next(struct nor_dev *d, double t)
{
    uint32_t at = d->erased_to, left = d->slot_size - at;
    uint32_t blk;
    double dur;
    int kind;
    if (at % 0x10000 == 0 && left >= 0x10000) {
        blk = 0x10000, dur = d->be64_s, kind = 2;
    } else if (at % 0x8000 == 0 && left >= 0x8000) {
        blk = 0x8000, dur = d->be32_s, kind = 1;
    } else {
        blk = 0x1000, dur = d->se_s, kind = 0;
    }
    double s = (t > d->chip_free ? t : d->chip_free) + spi_s(d, 4);
    d->chip_free = s + dur;
    d->erase_s += dur;
    d->erases[kind]++;
    d->erased_to += blk;
}

static double nor_req(void *arg, double start, uint32_t off, uint32_t len)
{
    struct nor_dev *d = arg;
    double t = start + CPU_REQ_S + len * CPU_BYTE_S;
    d->cpu_s += CPU_REQ_S + len * CPU_BYTE_S;
    uint32_t pos = d->base + off, end = pos + len;
    if (d->dirty) {
        while (d->erased_to < end) {
            nor_erase_next(d, t); /* not erased ahead far enough: wait for it */
        }
    }
    while (pos < end) {
        uint32_t piece = d->page - pos % d->page;
        if (piece > end - pos) {
            piece = end - pos;
        }
        if (d->chip_free > t) {
            d->wait_s += d->chip_free - t;
            t = d->chip_free;
        }
        t += spi_s(d, 4 + piece);
        /* program time in proportion to the bytes (a partial page costs
         * its share of tPP) */
        double pp = d->pp_s * piece / d->page;
        d->chip_free = t + pp;
        d->program_s += pp + spi_s(d, 4 + piece);
        pos += piece;
    }
    /* keep one 64 KB block erased ahead of the writes */
    while (d->dirty && d->erased_to < d->slot_size && d->erased_to < end + 0x10000) {
        nor_erase_next(d, d->chip_free);
    }
    return t - start;
}

/* ---- rows --------------------------------------------------------------- */

struct cal {
    const char *what;
    unsigned window, chunk;
    bool reassembly;
    double reported_kBps, lo, hi;
    const char *source;
};

static void link_json(const struct fk_ble_link *l)
{
    printf("\"profile\": \"%s\", \"phy\": \"%s\", \"ll_payload\": %u, \"mtu\": %u, \"conn_interval_ms\": %.2f, "
           "\"central_pkts_per_event\": %u, \"periph_pkts_per_event\": %u, \"event_ms\": %.2f, "
           "\"turnaround_ms\": %.2f",
           l->name, fk_ble_phy_name(l->phy), l->ll_payload, l->att_mtu, l->interval_ms, l->central_pkts,
           l->periph_pkts, l->event_ms, l->turnaround_ms);
}

static int calibration(bool json, const struct fk_board_dev *nor, int *out_of_band)
{
    struct fk_ble_link l;
    fk_ble_link_profile("phone", &l);
    /* Reports quoted in issue 11 (mcumgr users over BLE); the tools' own
     * documentation is where they come from (docs/ble.md). */
    static const struct cal rows[] = {
        {"window 1, no reassembly", 1, 128, false, 3.0, 2.0, 4.0,
         "mcumgr over BLE without pipelining: 2-4 kB/s (issue 11; nRF Connect Device Manager reports)"},
        {"window 3, no reassembly", 3, 0, false, 18.0, 16.0, 20.0,
         "3 requests in flight: 16-20 kB/s (issue 11; nRF Connect Device Manager pipelining)"},
        {"window 2, reassembly, MTU 498", 2, 2048, true, 36.0, 36.0, 36.0,
         "SMP reassembly with a 498-byte MTU: about 36 kB/s (issue 11; nRF Connect Device Manager)"},
    };
    const uint32_t image = 460 * 1024;
    if (!json) {
        printf("Calibration: one phone profile (%s PHY, DLE %u, MTU %u, %.2f ms interval, %u/%u data PDUs per\n"
               "event central/peripheral, %.1f ms event, %.1f ms app turnaround); the device runs Zephyr's\n"
               "default upload: synchronous SPI NOR, progressive 4 KB erase (%.0f ms), page program %.2f ms,\n"
               "%.1f ms CPU per request.\n\n",
               fk_ble_phy_name(l.phy), l.ll_payload, l.att_mtu, l.interval_ms, l.central_pkts, l.periph_pkts,
               l.event_ms, l.turnaround_ms, nor->sector_erase_ms, nor->page_program_ms, CPU_REQ_S * 1000);
        printf("%-31s %6s %6s %9s %9s %7s  %s\n", "configuration", "window", "chunk", "model", "reported",
               "ratio", "source");
    }
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct cal *c = &rows[i];
        struct sync_dev dev = {.se_s = nor->sector_erase_ms / 1000, .pp_s = nor->page_program_ms / 1000,
                               .spi_hz = nor->spi_hz, .page = nor->page_size ? nor->page_size : 256};
        struct fk_ble_upload_cfg u = {.link = l, .image_len = image, .chunk = c->chunk ? c->chunk : 4096,
                                      .window = c->window, .reassembly = c->reassembly,
                                      .req_overhead = REQ_OVERHEAD, .rsp_len = RSP_LEN,
                                      .device_s = sync_req, .arg = &dev};
        struct fk_ble_upload_result r;
        if (fk_ble_upload_model(&u, &r)) {
            fprintf(stderr, "upload --ble: calibration row %zu: bad model input\n", i);
            return 2;
        }
        double ratio = r.kBps / c->reported_kBps;
        bool ok = r.kBps >= c->lo * 0.7 && r.kBps <= c->hi * 1.3;
        if (!ok) {
            (*out_of_band)++;
        }
        if (json) {
            printf("{\"row\": \"calibration\", \"configuration\": \"%s\", ", c->what);
            link_json(&l);
            printf(", \"window\": %u, \"chunk\": %u, \"reassembly\": %s, \"image_bytes\": %u, "
                   "\"modeled_s\": %.3f, \"modeled_kBps\": %.2f, \"reported_kBps\": %.1f, "
                   "\"reported_range_kBps\": [%.1f, %.1f], \"within_30pct\": %s, \"radio_s\": %.3f, "
                   "\"device_s\": %.3f, \"device\": \"synchronous SPI NOR, progressive 4 KB erase %.0f ms, "
                   "page program %.2f ms, %.1f ms CPU per request\", \"source\": \"%s\"}\n",
                   c->window, r.chunk, c->reassembly ? "true" : "false", image, r.seconds, r.kBps,
                   c->reported_kBps, c->lo, c->hi, ok ? "true" : "false", r.radio_s, r.device_s,
                   nor->sector_erase_ms, nor->page_program_ms, CPU_REQ_S * 1000, c->source);
        } else {
            printf("%-31s %6u %6u %7.1f k %7.1f k %6.2fx%s %s\n", c->what, c->window, r.chunk, r.kBps,
                   c->reported_kBps, ratio, ok ? " " : "!", c->source);
        }
    }
    return 0;
}

struct own_case {
    bool dirty, max_timing;
};

static int own(bool json, const struct fk_board_dev *nor, int *below_goal)
{
    struct fk_ble_link l;
    /* the calibration phone with a current controller: as many PDU pairs
     * as a 15 ms event holds at 2M/251 (10 x 1.41 ms) instead of 6 */
    fk_ble_link_profile("phone-current", &l);
    l.phy = FK_BLE_PHY_2M;
    l.ll_payload = 251;
    l.att_mtu = 498;
    l.interval_ms = 15;
    const uint32_t image = 460 * 1024;
    const unsigned window = 6, chunk = 2048 - REQ_OVERHEAD - 8;
    if (!json) {
        printf("\nfotakit, seed board: secondary on the %u KB SPI NOR (%s) at %.0f MHz, %s PHY, DLE %u, MTU %u,\n"
               "%.0f ms interval, %u data PDUs per event; %u KB image, window %u, %u-byte chunks (buf_size 2048),\n"
               "SMP reassembly. Goal: >= 120 kB/s.\n\n",
               nor->size / 1024, nor->bus, nor->spi_hz / 1e6, fk_ble_phy_name(l.phy), l.ll_payload, l.att_mtu,
               l.interval_ms, l.central_pkts, image / 1024, window, chunk);
        printf("%-11s %-8s %9s %8s %8s %8s %8s %8s %8s  %s\n", "slot", "timings", "kB/s", "total_s", "radio_s",
               "erase_s", "prog_s", "cpu_s", "wait_s", "erases 64K/32K/4K");
    }
    static const struct own_case cases[] = {{false, false}, {true, false}, {false, true}, {true, true}};
    for (size_t i = 0; i < 4; i++) {
        const struct own_case *k = &cases[i];
        struct nor_dev d = {
            .se_s = (k->max_timing ? nor->sector_erase_max_ms : nor->sector_erase_ms) / 1000,
            .be32_s = (k->max_timing ? nor->block32_erase_max_ms : nor->block32_erase_ms) / 1000,
            .be64_s = (k->max_timing ? nor->block64_erase_max_ms : nor->block64_erase_ms) / 1000,
            .pp_s = (k->max_timing ? nor->page_program_max_ms : nor->page_program_ms) / 1000,
            .spi_hz = nor->spi_hz, .page = nor->page_size ? nor->page_size : 256,
            .slot_size = 0xe8000, .base = 0x1000, .dirty = k->dirty, .erased_to = 0x1000};
        if (d.se_s <= 0 || d.be32_s <= 0 || d.be64_s <= 0 || d.pp_s <= 0 || d.spi_hz <= 0) {
            fprintf(stderr,
                    "upload --ble: board device %s lacks a NOR timing (sector/block32/block64-erase[-max]-ms, "
                    "page-program[-max]-ms, spi-hz); see docs/board-file.md\n",
                    nor->name);
            return 2;
        }
        struct fk_ble_upload_cfg u = {.link = l, .image_len = image, .chunk = chunk, .window = window,
                                      .reassembly = true, .req_overhead = REQ_OVERHEAD, .rsp_len = RSP_LEN,
                                      .device_s = nor_req, .arg = &d};
        struct fk_ble_upload_result r;
        if (fk_ble_upload_model(&u, &r)) {
            return 2;
        }
        /* the upload ends when the last page is in the chip, too */
        double total = r.seconds > d.chip_free ? r.seconds : d.chip_free;
        double kBps = image / total / KB;
        if (!k->max_timing && kBps < 120) {
            (*below_goal)++;
        }
        const char *slot = k->dirty ? "dirty" : "pre-erased";
        const char *tim = k->max_timing ? "maximum" : "typical";
        if (json) {
            printf("{\"row\": \"fotakit\", \"slot\": \"%s\", \"timings\": \"%s\", ", slot, tim);
            link_json(&l);
            printf(", \"spi_hz\": %u, \"window\": %u, \"chunk\": %u, \"reassembly\": true, \"image_bytes\": %u, "
                   "\"modeled_s\": %.3f, \"modeled_kBps\": %.2f, \"radio_s\": %.3f, \"erase_s\": %.3f, "
                   "\"program_s\": %.3f, \"cpu_s\": %.3f, \"chip_wait_s\": %.3f, \"erases_64k\": %u, "
                   "\"erases_32k\": %u, \"erases_4k\": %u, \"goal_kBps\": 120}\n",
                   nor->spi_hz, window, chunk, image, total, kBps, r.radio_s, d.erase_s, d.program_s, d.cpu_s,
                   d.wait_s, d.erases[2], d.erases[1], d.erases[0]);
        } else {
            printf("%-11s %-8s %9.1f %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f  %u/%u/%u\n", slot, tim, kBps, total,
                   r.radio_s, d.erase_s, d.program_s, d.cpu_s, d.wait_s, d.erases[2], d.erases[1], d.erases[0]);
        }
    }
    if (!json) {
        printf("\nradio_s: air time of the PDU pairs carrying data; erase_s/prog_s: the chip busy erasing /\n"
               "programming (prog_s includes the SPI transfer); cpu_s: request handling; wait_s: requests\n"
               "waiting for the chip. They overlap: the total is the longest chain, not their sum.\n");
    }
    return 0;
}

int ble_bench(bool json, const char *board_path, bool realtime)
{
    struct fk_board b;
    char err[512];
    if (fk_board_load(board_path, &b, err, sizeof err)) {
        fprintf(stderr, "upload --ble: %s\n", err);
        return 2;
    }
    const struct fk_board_dev *nor = NULL;
    for (unsigned i = 0; i < b.count && !nor; i++) {
        if (b.dev[i].kind != FK_KIND_INTERNAL) {
            nor = &b.dev[i];
        }
    }
    if (!nor || nor->sector_erase_ms <= 0 || nor->page_program_ms <= 0 || !nor->spi_hz) {
        fprintf(stderr, "upload --ble: %s: needs a NOR device with sector-erase-ms, page-program-ms and spi-hz "
                        "(docs/board-file.md)\n", board_path);
        return 2;
    }
    int bad = 0, below = 0;
    int rc = calibration(json, nor, &bad);
    if (!rc) {
        rc = own(json, nor, &below);
    }
    if (!rc && realtime) {
        rc = measured(json, board_path);
    }
    if (!rc && !json) {
        printf("\n%d calibration row(s) outside +-30 %% of the reported range; %d typical-timing fotakit row(s) "
               "below 120 kB/s.\n",
               bad, below);
    }
    return rc;
}

/* ---- measured: the virtual device's paced blesim link ------------------- */

static uint8_t *sign_img(int major, size_t plen, uint32_t seed, size_t *len)
{
    uint8_t *p = malloc(plen), *img = NULL;
    for (size_t i = 0; p && i < plen; i++) {
        p[i] = (uint8_t)(i * seed + (i >> 9));
    }
    struct fk_sign_opts so;
    fk_sign_opts_init(&so);
    so.key_path = FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem";
    so.version.major = (uint8_t)major;
    so.header_size = 0x200;
    so.pad_header = true;
    so.align = 4;
    so.slot_size = 0xe8000;
    so.max_sectors = 0xe8000 / 0x1000;
    char err[256];
    if (!p || fk_image_sign(&so, p, plen, &img, len, err, sizeof err)) {
        fprintf(stderr, "upload --ble: sign: %s\n", p ? err : "out of memory");
        img = NULL;
    }
    free(p);
    return img;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static void measured_row(bool json, const char *slot, const struct fk_client_upload_stats *s,
                         const struct fk_ble_link *l)
{
    double kBps = (s->done - s->resumed_at) / s->seconds / KB;
    if (json) {
        printf("{\"row\": \"measured\", \"slot\": \"%s\", \"timings\": \"typical\", ", slot);
        link_json(l);
        printf(", \"window\": 6, \"chunk\": %u, \"reassembly\": true, \"image_bytes\": %u, \"wall_s\": %.3f, "
               "\"measured_kBps\": %.2f}\n",
               s->chunk, s->done, s->seconds, kBps);
    } else {
        printf("%-11s %-8s %9.1f %8.2f   (wall clock through blesim, %u requests)\n", slot, "typical", kBps,
               s->seconds, s->requests);
    }
}

/* Upload into a dirty slot, test, swap, confirm, let the background erase
 * run, upload again: both timed on the wall clock against a device that
 * takes the modeled link and flash time (--realtime). */
static int measured(bool json, const char *board_path)
{
    char dir[] = "/tmp/fotakit-bench-ble-XXXXXX";
    if (!mkdtemp(dir)) {
        return 2;
    }
    size_t l1, l2, l3;
    uint8_t *v1 = sign_img(1, 20000, 3, &l1), *v2 = sign_img(2, 460 * 1024, 5, &l2), *v3 = sign_img(3, 460 * 1024, 7, &l3);
    char sock[128], err[512];
    snprintf(sock, sizeof sock, "%s/ble.sock", dir);
    struct fk_device_cfg cfg = {.layout = FOTAKIT_SHARED_DIR "/layouts/nrf5340-spi-nor-2mb.pm_static.yml",
                                .board = board_path, .state_dir = dir, .nkeys = 1, .quiet = true,
                                .realtime = true, .fast_erase = true};
    cfg.keys[0] = FOTAKIT_SHARED_DIR "/vectors/imgtool/ecdsa-p256.pem";
    struct fk_device *d = NULL;
    int rc = 2;
    struct fk_device_thread *th = NULL;
    struct fk_client c = {0};
    if (!v1 || !v2 || !v3 || fk_device_open(&d, &cfg, err, sizeof err) ||
        fk_device_flash_image(d, v1, l1, err, sizeof err)) {
        fprintf(stderr, "upload --ble --realtime: %s\n", err);
        goto out;
    }
    struct fk_device_run run = {.ble = sock, .ble_profile = "phone-current"};
    struct fk_client_tp *tp;
    if (fk_device_spawn(d, &run, &th) || fk_client_tp_open_blesim(sock, &tp, err, sizeof err)) {
        fprintf(stderr, "upload --ble --realtime: cannot start the blesim device\n");
        goto out;
    }
    fk_client_init(&c, tp);
    c.timeout_ms = 20000;
    struct fk_ble_link l;
    fk_ble_link_profile("phone-current", &l);
    if (!json) {
        printf("\nmeasured: the virtual device with --realtime --fast-erase on the blesim link paced by the\n"
               "\"phone-current\" profile (%u PDUs per event), window 6; wall clock:\n",
               l.central_pkts);
    }
    struct fk_client_upload_opts o = {.window = 6};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    struct fk_client_image_list il;
    uint8_t h2[32];
    fk_client_image_file_hash(v2, l2, h2);
    if (fk_client_upload(&c, v2, l2, &o, &s, &st) || s.done != l2) {
        fprintf(stderr, "upload --ble --realtime: upload into the dirty slot failed\n");
        goto out;
    }
    measured_row(json, "dirty", &s, &l);
    /* test, swap (the bootloader takes its modeled time), confirm */
    struct fk_device_boot_report rep;
    if (fk_client_image_state(&c, h2, false, &il, &st) || fk_client_reset(&c, &st)) {
        goto out;
    }
    for (int i = 0; i < 1200; i++) {
        fk_device_last_boot(d, &rep);
        if (rep.boot_no >= 2) {
            break;
        }
        sleep_s(0.05);
    }
    if (fk_client_image_state(&c, NULL, true, &il, &st)) {
        goto out;
    }
    for (int i = 0; i < 1200 && !fk_device_slot1_pre_erased(d); i++) {
        sleep_s(0.05); /* the background erase, one block per idle moment */
    }
    if (!fk_device_slot1_pre_erased(d)) {
        fprintf(stderr, "upload --ble --realtime: the background erase did not finish\n");
        goto out;
    }
    if (fk_client_upload(&c, v3, l3, &o, &s, &st) || s.done != l3) {
        fprintf(stderr, "upload --ble --realtime: upload into the pre-erased slot failed\n");
        goto out;
    }
    measured_row(json, "pre-erased", &s, &l);
    rc = 0;
out:
    if (c.tp) {
        fk_client_close(&c);
    }
    if (th) {
        fk_device_join(th);
    }
    if (d) {
        fk_device_close(d);
    }
    free(v1);
    free(v2);
    free(v3);
    char cmd[320];
    DIR *dd = opendir(dir);
    struct dirent *e;
    while (dd && (e = readdir(dd))) {
        if (e->d_name[0] != '.') {
            snprintf(cmd, sizeof cmd, "%s/%s", dir, e->d_name);
            unlink(cmd);
        }
    }
    if (dd) {
        closedir(dd);
    }
    rmdir(dir);
    return rc;
}
