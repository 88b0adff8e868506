/*
 * fotakit device: the virtual device (simulated chips + bootloader + SMP).
 */
#ifdef FK_HAVE_DEVICE_HOST
#include "cli_smp.h"

#include "fotakit/host/device.h"
#include "fotakit/err.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit device flash --layout L --board B --state DIR [--image 1] IMAGE\n"
            "       fotakit device run   --layout L --board B --state DIR [--key KEY]...\n"
            "                            (--udp HOST:PORT | --serial PATH | --ble SOCKET) [options]\n"
            "\n"
            "flash   program IMAGE into the primary slot, as a factory programmer would. The\n"
            "        chips' contents live in DIR/<device>.bin (created erased when missing).\n"
            "        --image 1: the nRF5340 network core's flash (image 1 handed over through\n"
            "        PCD; boards/nrf5340-spi-nor-2mb.*; docs/device.md \"The network core\")\n"
            "run     power the device on: fotakit's bootloader runs on the chips in DIR (each\n"
            "        decision logged), then the application: an SMP server reporting the\n"
            "        booted image. An SMP reset re-enters the bootloader (swap, revert, ...).\n"
            "\n"
            "options:\n"
            "  --layout FILE          pm_static.yml\n"
            "  --board FILE           board file (*.board.yml)\n"
            "  --state DIR            where the chips' files live (persist between runs)\n"
            "  --key FILE             a trusted key (PEM, public or private); repeatable\n"
            "  --hash-only            development: also boot images carrying only a SHA256 TLV\n"
            "  --udp HOST:PORT        serve SMP over UDP (e.g. 127.0.0.1:1337; port 0: any)\n"
            "  --serial PATH          serve SMP over a serial line: PATH, if it is a terminal\n"
            "                         device; else a new pseudo-terminal, linked at PATH\n"
            "  --ble SOCKET           serve the SMP GATT characteristic over a local socket\n"
            "                         carrying ATT operations (the blesim link; no radio):\n"
            "                         fotakit smp --conn blesim:SOCKET\n"
            "  --ble-profile NAME     link model pacing --ble with --realtime: phone (default),\n"
            "                         phone-current or nrf5340dk (docs/ble.md)\n"
            "  --realtime             flash operations take their modeled time; on a pseudo-\n"
            "                         terminal the line also runs at --baud (10 bits a byte);\n"
            "                         with --ble, writes and notifications take the link\n"
            "                         model's time too\n"
            "  --baud N               line rate modeled with --realtime on a pty (default 115200)\n"
            "  --fast-erase           after a tested image is confirmed, erase the unused slot 1\n"
            "                         in the background while idle, and erase ahead in 64 KB\n"
            "                         blocks while uploading into a dirty slot (docs/ble.md)\n"
            "  --serial-recovery      the bootloader has serial recovery: when nothing is\n"
            "                         bootable it serves SMP itself, uploads going straight\n"
            "                         into the primary slot (docs/recovery.md)\n"
            "  --recovery             hold the recovery button at power-on: the bootloader\n"
            "                         enters serial recovery without booting (implies\n"
            "                         --serial-recovery); the reset that ends it boots\n"
            "  --confirm-on-boot      the application confirms its image as soon as it runs\n"
            "                         (default: only when told, by SMP image confirm)\n"
            "  --exit-after-resets N  stop after the N-th SMP reset's boot\n"
            "  --boot-only            run the bootloader once, print the result, exit\n"
            "  --power-cut-after K    cut the power during the K-th flash program/erase (torn);\n"
            "                         the device then restarts, bootloader first\n"
            "  --dead DEVICE          simulate a dead chip: board device DEVICE (e.g.\n"
            "                         external_flash) does not answer\n"
            "  --rsn-v2               also put the reason (\"rsn\") in SMP v2 group errors;\n"
            "                         off: Zephyr's bare {\"err\": {group, rc}}, which strict\n"
            "                         clients (smpclient) need; fotakit smp fetches the reason\n"
            "                         with one more request either way\n"
            "  --bootloader B         the bootloader the device runs and the SMP server is\n"
            "                         configured for: fotakit (default), fotakit-overwrite,\n"
            "                         or mcuboot:MODE, a model of stock MCUboot written from\n"
            "                         its design document (MODE: overwrite-only, swap-scratch,\n"
            "                         swap-move, swap-offset, direct-xip, direct-xip-revert,\n"
            "                         ram-load; docs/smp.md \"MCUboot modes\")\n"
            "  --max-img-sectors N    MCUboot's BOOT_MAX_IMG_SECTORS for mcuboot:MODE (default:\n"
            "                         the slot's sector count, as CONFIG_BOOT_MAX_IMG_SECTORS_AUTO)\n"
            "  -v, --verbose          one log line per SMP request: version, group/command,\n"
            "                         sequence, lengths, result, modeled flash time\n"
            "  --quiet                no log lines\n"
            "\n"
            "Exit: 0 ok, 1 the bootloader found nothing to boot (--boot-only), 2 bad usage or\n"
            "unreadable input.\n");
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int fk_cli_device(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "flash") && strcmp(sub, "run")) {
        fprintf(stderr, "fotakit device: unknown command '%s'; use flash or run (fotakit device --help)\n", sub);
        return 2;
    }
    struct fk_device_cfg cfg = {.log = stdout};
    struct fk_device_run run = {0};
    const char *image = NULL;
    int image_no = 0;
    bool boot_only = false;
    uint32_t cut_after = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--layout") && has) {
            cfg.layout = argv[++i];
        } else if (!strcmp(a, "--board") && has) {
            cfg.board = argv[++i];
        } else if (!strcmp(a, "--state") && has) {
            cfg.state_dir = argv[++i];
        } else if (!strcmp(a, "--key") && has) {
            if (cfg.nkeys == FK_DEVICE_MAX_KEYS) {
                fprintf(stderr, "fotakit device: at most %d --key options\n", FK_DEVICE_MAX_KEYS);
                return 2;
            }
            cfg.keys[cfg.nkeys++] = argv[++i];
        } else if (!strcmp(a, "--hash-only")) {
            cfg.allow_hash_only = true;
        } else if (!strcmp(a, "--udp") && has) {
            run.udp = argv[++i];
        } else if (!strcmp(a, "--serial") && has) {
            run.serial = argv[++i];
        } else if (!strcmp(a, "--ble") && has) {
            run.ble = argv[++i];
        } else if (!strcmp(a, "--ble-profile") && has) {
            run.ble_profile = argv[++i];
        } else if (!strcmp(a, "--realtime")) {
            cfg.realtime = true;
        } else if (!strcmp(a, "--confirm-on-boot")) {
            cfg.confirm_on_boot = true;
        } else if (!strcmp(a, "--serial-recovery")) {
            cfg.serial_recovery = true;
        } else if (!strcmp(a, "--recovery")) {
            cfg.recovery_button = true;
        } else if (!strcmp(a, "--fast-erase")) {
            cfg.fast_erase = true;
        } else if (!strcmp(a, "--exit-after-resets") && has) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1000000) {
                fprintf(stderr, "fotakit device: --exit-after-resets takes a number >= 1\n");
                return 2;
            }
            run.max_resets = (int)n;
        } else if (!strcmp(a, "--baud") && has) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 300 || n > 100000000) {
                fprintf(stderr, "fotakit device: --baud takes a rate in 300..100000000\n");
                return 2;
            }
            run.baud = (unsigned)n;
        } else if (!strcmp(a, "--power-cut-after") && has) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 100000000) {
                fprintf(stderr, "fotakit device: --power-cut-after takes a number >= 1\n");
                return 2;
            }
            cut_after = (uint32_t)n;
        } else if (!strcmp(a, "--dead") && has) {
            cfg.dead = argv[++i];
        } else if (!strcmp(a, "--boot-only")) {
            boot_only = true;
        } else if (!strcmp(a, "--rsn-v2")) {
            cfg.smp_rsn_v2 = true;
        } else if (!strcmp(a, "--bootloader") && has) {
            const char *bname = argv[++i];
            if (fk_bl_parse(bname, &cfg.bootloader) != FK_OK ||
                (strncmp(bname, "mcuboot:", 8) && strncmp(bname, "fotakit", 7))) {
                fprintf(stderr,
                        "fotakit device: --bootloader '%s' is not one of fotakit, "
                        "fotakit-overwrite, mcuboot:overwrite-only, mcuboot:swap-scratch, "
                        "mcuboot:swap-move, mcuboot:swap-offset, mcuboot:direct-xip, "
                        "mcuboot:direct-xip-revert, mcuboot:ram-load\n",
                        bname);
                return 2;
            }
        } else if (!strcmp(a, "--max-img-sectors") && has) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 65536) {
                fprintf(stderr, "fotakit device: --max-img-sectors takes a number 1..65536\n");
                return 2;
            }
            cfg.max_img_sectors = (uint32_t)n;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            cfg.verbose = true;
        } else if (!strcmp(a, "--quiet")) {
            cfg.quiet = true;
        } else if (!strcmp(a, "--image") && has && !strcmp(sub, "flash")) {
            const char *v = argv[++i];
            if (strcmp(v, "0") && strcmp(v, "1")) {
                fprintf(stderr, "fotakit device flash: --image takes 0 or 1, not '%s'\n", v);
                return 2;
            }
            image_no = v[0] - '0';
        } else if (a[0] != '-' && !image && !strcmp(sub, "flash")) {
            image = a;
        } else {
            fprintf(stderr, "fotakit device %s: unexpected '%s' (fotakit device --help)\n", sub, a);
            return 2;
        }
    }
    if (!cfg.layout || !cfg.board || !cfg.state_dir) {
        fprintf(stderr, "fotakit device %s: --layout, --board and --state are required\n", sub);
        return 2;
    }
    char err[1024];
    if (!strcmp(sub, "flash")) {
        if (!image) {
            fprintf(stderr, "fotakit device flash: which IMAGE? (a signed image file)\n");
            return 2;
        }
        size_t len;
        uint8_t *data = fk_cli_read_file(image, &len);
        if (!data) {
            return 2;
        }
        if (len < 4 || (data[0] | data[1] << 8 | data[2] << 16 | (uint32_t)data[3] << 24) != 0x96f3b83du) {
            fprintf(stderr, "fotakit device flash: warning: %s does not start with the MCUboot image magic; "
                            "programming it anyway, but the bootloader will not boot it\n",
                    image);
        }
        struct fk_device *d;
        int rc = fk_device_open(&d, &cfg, err, sizeof err);
        if (rc) {
            fprintf(stderr, "fotakit device flash: %s\n", err);
            free(data);
            return 2;
        }
        rc = image_no ? fk_device_flash_netcore(d, data, len, err, sizeof err)
                      : fk_device_flash_image(d, data, len, err, sizeof err);
        fk_device_close(d);
        free(data);
        if (rc) {
            fprintf(stderr, "fotakit device flash: %s\n", err);
            return rc == FK_ENOSPC ? 1 : 2;
        }
        printf("programmed %s (%zu bytes) into %s; state in %s\n", image, len,
               image_no ? "the network core's flash" : "the primary slot", cfg.state_dir);
        return 0;
    }
    if (!boot_only && (!!run.udp + !!run.serial + !!run.ble) != 1) {
        fprintf(stderr, "fotakit device run: give one of --udp HOST:PORT, --serial PATH or --ble SOCKET\n");
        return 2;
    }
    struct fk_device *d;
    int rc = fk_device_open(&d, &cfg, err, sizeof err);
    if (rc) {
        fprintf(stderr, "fotakit device run: %s\n", err);
        return 2;
    }
    if (boot_only) {
        struct fk_device_boot_report r;
        fk_device_boot(d, &r); /* the log says what it did */
        fk_device_close(d);
        return r.running ? 0 : 1;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    run.stop = &stop_flag;
    if (cut_after) {
        fk_device_power_cut_after(d, cut_after);
    }
    rc = fk_device_serve(d, &run);
    fk_device_close(d);
    return rc ? 2 : 0;
}
#else /* fotakit_host_device not built (a component it needs is missing) */
#include <stdio.h>
int fk_cli_device(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "fotakit device: this build has no virtual device (a component it needs was not "
                    "built; see the cmake output)\n");
    return 2;
}
#endif
