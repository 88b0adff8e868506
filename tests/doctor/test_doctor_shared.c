/*
 * `fotakit doctor` on every build in ../shared/ncs-builds, checked against
 * what its README diagnoses. Rows 1-5 (a main finding) exit 1 and name it;
 * the consistent references (rows 6-12) exit 0: their warnings and notes
 * never make exit 1. Where the doctor says more than the README, the test
 * says why (comments marked "beyond the README").
 */
#define DT_TAG "shared"
#include "dt_util.h"

/* Text report and exit code for a shared folder (the folder above the
 * build: the doctor finds the build below it and reads the sources). */
static int run(const char *folder)
{
    char args[512];
    snprintf(args, sizeof args, "'%s%s'", NCS, folder);
    return cli(args);
}

/* 1. HamdanAli98: SPI NOR only in the app; MCUboot has no SPI/SPI_NOR; the
 * secondary has size 0. */
static void row1_hamdan(void **state)
{
    (void)state;
    assert_int_equal(run("HamdanAli98__Zephyr"), 1);
    doctor(NCS "HamdanAli98__Zephyr", NULL);
    const struct fk_doc_finding *f = must("driver-missing", "mcuboot", FK_DOC_ERROR, 1);
    assert_has(f->msg, "mcuboot_secondary is on the external SPI NOR (jedec,spi-nor) w25q32jv");
    assert_has(f->msg, "CONFIG_SPI, CONFIG_SPI_NOR off");
    assert_has(f->msg, "only the application knows the chip");
    assert_evid(f, "build/mcuboot/zephyr/.config:85: # CONFIG_SPI is not set");
    assert_evid(f, "build/zephyr/.config:15: CONFIG_SPI=y");
    assert_evid(f, "build/partitions.yml:64: mcuboot_secondary: address 0x0, size 0x0");
    assert_string_equal(f->fix_line, "CONFIG_SPI=y\nCONFIG_SPI_NOR=y");
    assert_string_equal(f->fix_file, "conf/mcuboot/mcuboot.conf");
    f = must("slot-size", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "mcuboot_secondary is 0 bytes (mcuboot_primary is 0xea000)");
    /* the app's driver is fine: nothing reported for the app's flash */
    assert_null(find("driver-missing", "app"));
    /* NCS 1.7: no MCUBOOT_BOOTLOADER_MODE_* in the app; not a mismatch */
    assert_null(find("mode-mismatch", ""));
    must("mode-era", "app", FK_DOC_NOTE, 5);
    /* secure (MCUboot) and non-secure (app) paths of one chip are one chip */
    assert_null(find("ext-flash-differs", ""));
    assert_int_equal(rep.errors, 2);
    /* prj.conf's strings with a comment after them were taken as written */
    assert_null(find("setting-not-applied", ""));
    /* the report opens with the most severe group */
    assert_has(out, "\nmcuboot: 1 error");
}

/* 2. manu897: app SWAP_WITHOUT_SCRATCH, MCUboot UPGRADE_ONLY. */
static void row2_manu(void **state)
{
    (void)state;
    assert_int_equal(run("manu897__Project-Carl"), 1);
    doctor(NCS "manu897__Project-Carl", NULL);
    const struct fk_doc_finding *f = must("mode-mismatch", "app", FK_DOC_ERROR, 5);
    assert_has(f->msg, "MCUboot runs overwrite-only");
    assert_has(f->msg, "built for swap using move");
    assert_evid(f, "build/mcuboot/zephyr/.config:39: CONFIG_BOOT_UPGRADE_ONLY=y");
    assert_evid(f, "build/zephyr/.config:1119: CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH=y");
    assert_string_equal(f->fix_file, "application/prj.conf");
    assert_string_equal(f->fix_line, "CONFIG_MCUBOOT_BOOTLOADER_MODE_OVERWRITE_ONLY=y");
    assert_int_equal(rep.errors, 1);
    /* QSPI in both images, netcore slot in RAM: consistent */
    assert_null(find("driver-missing", ""));
    must("netcore-ram-flash", "mcuboot", FK_DOC_NOTE, 7);
}

/* 3. rs-muggino: the slot boundary at 0x43800 is not page-aligned. */
static void row3_muggino(void **state)
{
    (void)state;
    assert_int_equal(run("rs-muggino__peripheral-lbs-sysbuild"), 1);
    doctor(NCS "rs-muggino__peripheral-lbs-sysbuild", NULL);
    unsigned n = 0;
    for (unsigned i = 0; i < rep.count; i++) {
        const struct fk_doc_finding *f = &rep.f[i];
        if (!strcmp(f->id, "erase-align")) {
            n++;
            assert_int_equal(f->sev, FK_DOC_ERROR);
            assert_int_equal(f->check, 4);
            assert_string_equal(f->fix_file, "pm_static.yml");
            if (strstr(f->msg, "mcuboot_secondary")) {
                assert_has(f->msg, "mcuboot_secondary [0x43800-0x7e000) on flash_primary starts "
                                   "0x800 bytes into the 0x1000-byte erase sector at 0x43000");
                assert_string_equal(f->fix_line, "mcuboot_secondary: { address: 0x44000, "
                                                 "end_address: 0x7e000, size: 0x3a000 }  # "
                                                 "whole 0x1000-byte sectors");
            } else {
                assert_has(f->msg, "mcuboot_primary [0x9000-0x43800)");
            }
            assert_evid(f, "erase-block-size 0x1000");
            /* the line of the project's static file that placed it */
            assert_evid(f, strstr(f->msg, "mcuboot_secondary")
                               ? "pm_static.yml:47: mcuboot_secondary: address 0x43800, size 0x3a800"
                               : "pm_static.yml:27: mcuboot_primary: address 0x9000, size 0x3a800");
        }
    }
    assert_int_equal(n, 2);
    assert_int_equal(rep.errors, 2);
    /* MCUboot's own "not whole sectors" says the same thing: not repeated */
    assert_null(find("slot-geometry", ""));
    assert_string_equal(rep.layout_kind, "sysbuild");
    /* the README's aside: pm_static's sram_primary (0x1000) was not honoured */
    const struct fk_doc_finding *note = must("pm-static-differs", "build", FK_DOC_NOTE, 7);
    assert_has(note->msg, "pm_static.yml says sram_primary is at 0x20000000, 0x1000 bytes, but the "
                       "build placed it at 0x20000000, 0x10000 bytes");
}

/* 4. epietrowicz: user_storage past the end of the 512 KiB flash. */
static void row4_epietrowicz(void **state)
{
    (void)state;
    assert_int_equal(run("epietrowicz__nvs_mcuboot_sample"), 1);
    doctor(NCS "epietrowicz__nvs_mcuboot_sample", NULL);
    const struct fk_doc_finding *f = must("beyond-device", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "user_storage [0x80000-0x82000) ends 0x2000 bytes past the end of device "
                       "flash_primary (size 0x80000)");
    assert_evid(f, "build/partitions.yml:75: user_storage");
    assert_evid(f, "build/zephyr/zephyr.dts:62: /soc/flash-controller@4001e000/flash@0: size 0x80000");
    /* the same overflow, counted over the region */
    must("region-overflow", "build", FK_DOC_ERROR, 4);
    assert_int_equal(rep.errors, 2);
    /* the MCUboot part is consistent; the app has no mcumgr (a note only) */
    must("no-update-path", "app", FK_DOC_NOTE, 6);
}

/* 5. wischmi2: static external_flash larger than the 2 MiB chip; app larger
 * than the slot; PM_EXTERNAL_FLASH_MCUBOOT_SECONDARY off. */
static void row5_wischmi(void **state)
{
    (void)state;
    assert_int_equal(run("wischmi2__pouch-node-ws"), 1);
    doctor(NCS "wischmi2__pouch-node-ws", NULL);
    const struct fk_doc_finding *f = must("ext-flash-size", "build", FK_DOC_ERROR, 3);
    assert_has(f->msg, "reach 0x1010000 (external_flash ends there), but p25q16h is 0x200000 bytes");
    assert_evid(f, "build/ble_gatt/zephyr/zephyr.dts:658: /soc/qspi@40029000/p25q16h@0: size = <0x1000000> (bits)");
    f = must("span-cover", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "mcuboot_primary [0xe000-0x6f000) does not cover its members exactly: "
                       "they occupy [0xe000-0xf5000)");
    must("ext-secondary-kconfig", "app", FK_DOC_WARNING, 3);
    /* beyond the README: mcumgr is on (shell transport) but its image group
     * is off; the image manager is on, so another DFU path may exist: a
     * warning, not an error */
    must("update-path", "app", FK_DOC_WARNING, 6);
    /* the external overflow is reported once (check 3), not again by check 4 */
    assert_null(find("beyond-device", ""));
    assert_int_equal(rep.errors, 3);
}

/* 6. kapcina: QSPI on in the app only (Kconfig default), unused. */
static void row6_kapcina(void **state)
{
    (void)state;
    assert_int_equal(run("kapcina69__Smart_watch"), 0);
    doctor(NCS "kapcina69__Smart_watch", NULL);
    const struct fk_doc_finding *f = must("driver-unused", "app", FK_DOC_NOTE, 2);
    assert_has(f->msg, "inferred: CONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y");
    assert_string_equal(f->fix_line, "CONFIG_NORDIC_QSPI_NOR=n");
    assert_null(find("driver-unused", "mcuboot"));
    /* 122 of 128 sectors: fine, with a note */
    f = must("max-img-sectors", "mcuboot", FK_DOC_NOTE, 5);
    assert_has(f->msg, "BOOT_MAX_IMG_SECTORS=128 leaves 6 spare over the 122 sectors");
    assert_int_equal(rep.errors, 0);
    assert_has(out, "summary: 0 errors");
}

/* 7. apcave: QSPI in MCUboot only; sysbuild/mcuboot.conf asks for RSA. */
static void row7_apcave(void **state)
{
    (void)state;
    assert_int_equal(run("apcave__zephyr-xiao-nRF52840"), 0);
    doctor(NCS "apcave__zephyr-xiao-nRF52840", NULL);
    must("driver-unused", "mcuboot", FK_DOC_NOTE, 2);
    const struct fk_doc_finding *f = must("setting-ignored", "mcuboot", FK_DOC_WARNING, 5);
    assert_evid(f, "sysbuild/mcuboot.conf:13: CONFIG_BOOT_SIGNATURE_TYPE_RSA=y");
    assert_evid(f, "build/mcuboot/zephyr/.config:30: CONFIG_BOOT_SIGNATURE_TYPE_ECDSA_P256=y");
    assert_string_equal(f->fix_file, "sysbuild.conf");
    assert_string_equal(f->fix_line, "SB_CONFIG_BOOT_SIGNATURE_TYPE_RSA=y");
    assert_int_equal(rep.errors, 0);
}

/* 8. FinnWBiggs: QSPI and an external PM region in both images, unused. */
static void row8_finn(void **state)
{
    (void)state;
    assert_int_equal(run("FinnWBiggs__mini_desktop"), 0);
    doctor(NCS "FinnWBiggs__mini_desktop", NULL);
    must("driver-unused", "app", FK_DOC_NOTE, 2);
    must("driver-unused", "mcuboot", FK_DOC_NOTE, 2);
    /* beyond the README: no progressive erase with a 0x79000-byte secondary */
    must("erase-progressively", "app", FK_DOC_WARNING, 6);
    assert_int_equal(rep.errors, 0);
}

/* 9. matter-sensor: external QSPI secondary, consistent (NCS 2.2). */
static void row9_matter(void **state)
{
    (void)state;
    assert_int_equal(run("justanotherkendrik__matter-sensor-example"), 0);
    doctor(NCS "justanotherkendrik__matter-sensor-example", NULL);
    assert_null(find("driver-missing", ""));
    assert_null(find("driver-no-node", ""));
    /* the README is unsure whether NCS 2.2.0-rc1 had the app-side mode
     * symbol: its .config has none, so no mismatch is claimed */
    must("mode-era", "app", FK_DOC_NOTE, 5);
    assert_int_equal(rep.errors, 0);
}

/* 10. Botz: nRF5340 sysbuild, app + netcore, external QSPI, consistent. */
static void row10_botz(void **state)
{
    (void)state;
    assert_int_equal(run("Botz-Limited__sensing_system-Zephyr"), 0);
    doctor(NCS "Botz-Limited__sensing_system-Zephyr", NULL);
    assert_int_equal(rep.errors, 0);
    assert_string_equal(rep.layout_kind, "sysbuild");
    assert_null(find("mode-mismatch", ""));
    /* sources: the MCUboot fragment sysbuild reads is sysbuild/mcuboot/prj.conf */
    const struct fk_doc_finding *f = must("dev-key", "mcuboot", FK_DOC_WARNING, 5);
    assert_string_equal(f->fix_file, "sysbuild.conf");
    must("netcore-ram-flash", "mcuboot", FK_DOC_NOTE, 7);
    /* the README's "mcuboot.conf looks ignored": its line is not in the build */
    f = must("setting-not-applied", "mcuboot", FK_DOC_WARNING, 7);
    assert_has(f->msg, "sysbuild/mcuboot/mcuboot.conf sets symbols the built MCUboot does not have");
    assert_evid(f, "sysbuild/mcuboot/mcuboot.conf:2: CONFIG_BOOT_MAX_IMG_SECTORS=512");
    assert_evid(f, "build_primary/mcuboot/zephyr/.config:58: CONFIG_BOOT_MAX_IMG_SECTORS=2048");
}

/* 11. car-heater: jedec,spi-nor on SPIM, consistent. */
static void row11_car_heater(void **state)
{
    (void)state;
    assert_int_equal(run("olofjohnsson__car-heater"), 0);
    doctor(NCS "olofjohnsson__car-heater", NULL);
    assert_int_equal(rep.errors, 0);
    assert_null(find("driver-missing", ""));
    /* the README's "worth a second look": MCUboot for 2 images, no slot 1 */
    const struct fk_doc_finding *f = must("image-count", "mcuboot", FK_DOC_WARNING, 5);
    assert_evid(f, "CONFIG_UPDATEABLE_IMAGE_NUMBER=2");
}

/* 12. tek-app: internal-only, NCS 1.5; a QSPI node okay without a driver. */
static void row12_tek(void **state)
{
    (void)state;
    assert_int_equal(run("vilaneuf__tek-app"), 0);
    doctor(NCS "vilaneuf__tek-app", NULL);
    assert_int_equal(rep.errors, 0);
    for (unsigned i = 0; i < rep.count; i++) {
        assert_true(rep.f[i].check != 1 && rep.f[i].check != 2);
    }
}

/* The build folder given directly: fixes name NCS's standard files; with
 * --source, the project's own. */
static void source_option(void **state)
{
    (void)state;
    assert_int_equal(cli("'" NCS "HamdanAli98__Zephyr/build'"), 1);
    assert_has(out, "fotakit doctor: " NCS "HamdanAli98__Zephyr/build (child-image build; Kconfig "
                    "names: unknown)\n");
    assert_has(out, "    fix: add to child_image/mcuboot.conf:\n        CONFIG_SPI=y\n");
    assert_int_equal(cli("'" NCS "HamdanAli98__Zephyr/build/' --source '" NCS "HamdanAli98__Zephyr'"), 1);
    assert_has(out, "; sources: " NCS "HamdanAli98__Zephyr\n");
    assert_has(out, "    fix: add to conf/mcuboot/mcuboot.conf:\n        CONFIG_SPI=y\n");
    /* an image's folder of a sysbuild build: the build is the one above */
    assert_int_equal(cli("'" NCS "kapcina69__Smart_watch/build/Smartwatch'"), 0);
    assert_has(out, "fotakit doctor: " NCS "kapcina69__Smart_watch/build (sysbuild build;");
    assert_has(out, "evidence: build/Smartwatch/zephyr/.config:195: CONFIG_NORDIC_QSPI_NOR=y");
    assert_has(out, "driver-unused");
    /* the era from BOARD_QUALIFIERS (hardware model v2) when no renamed
     * symbol tells: car-heater's app without its mode lines */
    const char *d = make_case("hwmv2", "olofjohnsson__car-heater");
    sh("sed -i '/MCUBOOT_BOOTLOADER_MODE_/d' '%s/build/car-heater/zephyr/.config'", d);
    doctor(d, NULL);
    assert_string_equal(rep.era, "NCS >= 2.3 names");
    sh("sed -i '/BOARD_QUALIFIERS/d' '%s/build/car-heater/zephyr/.config'", d);
    doctor(d, NULL);
    assert_string_equal(rep.era, "unknown");
}

/* The JSON form of one report: the fields scripts read. */
static void json_report(void **state)
{
    (void)state;
    assert_int_equal(cli("--json '" NCS "manu897__Project-Carl'"), 1);
    assert_has(out, "\"layout\":\"child-image\"");
    assert_has(out, "\"errors\":1,");
    assert_has(out, "{\"severity\":\"error\",\"check\":5,\"id\":\"mode-mismatch\",\"image\":\"app\"");
    assert_has(out, "\"fix\":{\"file\":\"application/prj.conf\",\"add\":"
                    "\"CONFIG_MCUBOOT_BOOTLOADER_MODE_OVERWRITE_ONLY=y\"}");
    assert_true(out[0] == '{' && strlen(out) > 2 && !strcmp(out + strlen(out) - 2, "}\n"));
}

/* --json is valid JSON for every shared build (python3's parser), and its
 * counts agree with the exit code. */
static void json_all(void **state)
{
    (void)state;
    /* one python3 run checks every report: parse, counts, exit code */
    sh("i=0; for d in '%s'*/; do i=$((i+1)); '%s' --json \"$d\" > '%s'json.$i; "
       "echo $? > '%s'json.$i.rc; done; "
       "python3 -c 'import json,sys,glob\n"
       "n=0\n"
       "for f in glob.glob(sys.argv[1]+\"json.*[0-9]\"):\n"
       " r=json.load(open(f)); rc=int(open(f+\".rc\").read()); n+=1\n"
       " assert (r[\"errors\"]>0)==(rc==1) and rc in (0,1), f\n"
       " assert len(r[\"findings\"])==r[\"errors\"]+r[\"warnings\"]+r[\"notes\"], f\n"
       "assert n==12, n' '%s'",
       NCS, FK_DOCTOR_CLI, CASES, CASES, CASES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(row1_hamdan),  cmocka_unit_test(row2_manu),
        cmocka_unit_test(row3_muggino), cmocka_unit_test(row4_epietrowicz),
        cmocka_unit_test(row5_wischmi), cmocka_unit_test(row6_kapcina),
        cmocka_unit_test(row7_apcave),  cmocka_unit_test(row8_finn),
        cmocka_unit_test(row9_matter),  cmocka_unit_test(row10_botz),
        cmocka_unit_test(row11_car_heater), cmocka_unit_test(row12_tek),
        cmocka_unit_test(source_option), cmocka_unit_test(json_report),
        cmocka_unit_test(json_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
