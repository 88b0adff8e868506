/*
 * Constructed cases, one or more per check: a copy of a real build from
 * ../shared/ncs-builds with the lines the case needs changed. Among them
 * the seed's exact configuration (no shared build has it), built from the
 * nRF5340 child-image build (manu897, Thingy:53): the application's
 * prj.conf has CONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y and no SPI lines,
 * child_image/mcuboot.conf has CONFIG_NORDIC_QSPI_NOR=n, CONFIG_SPI=y,
 * CONFIG_SPI_NOR=y, the qspi node is disabled and the NOR sits on spi4.
 */
#define DT_TAG "cases"
#include "dt_util.h"

#define APPCFG "build/zephyr/.config"
#define BOOTCFG "build/mcuboot/zephyr/.config"
#define APPDTS "build/zephyr/zephyr.dts"
#define BOOTDTS "build/mcuboot/zephyr/zephyr.dts"

/* The seed's nRF5340 build. */
static const char *seed_case(void)
{
    const char *d = make_case("seed", "manu897__Project-Carl");
    /* application: the .config the seed's prj.conf produces */
    edit(d, APPCFG, "\nCONFIG_SPI=y\n", "\n# CONFIG_SPI is not set\n");
    edit(d, APPCFG, "# CONFIG_FLASH is not set\n", "CONFIG_FLASH=y\n");
    edit(d, APPCFG, "# CONFIG_BT is not set\n",
         "CONFIG_BT=y\nCONFIG_BT_PERIPHERAL=y\nCONFIG_BT_DEVICE_NAME=\"seed\"\n"
         "CONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y\n"
         "CONFIG_MCUMGR=y\nCONFIG_MCUMGR_TRANSPORT_BT=y\nCONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY=y\n"
         "CONFIG_MCUMGR_GRP_IMG=y\nCONFIG_MCUMGR_GRP_OS=y\nCONFIG_IMG_MANAGER=y\n"
         "CONFIG_IMG_ERASE_PROGRESSIVELY=y\nCONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE=2475\n"
         "CONFIG_BT_L2CAP_TX_MTU=498\nCONFIG_BT_BUF_ACL_RX_SIZE=502\n");
    /* MCUboot: child_image/mcuboot.conf's three lines; swap-move like the app */
    edit(d, BOOTCFG, "\nCONFIG_NORDIC_QSPI_NOR=y\n", "\n# CONFIG_NORDIC_QSPI_NOR is not set\n");
    edit(d, BOOTCFG, "# CONFIG_SPI is not set\n", "CONFIG_SPI=y\nCONFIG_SPI_NOR=y\n");
    edit(d, BOOTCFG, "CONFIG_BOOT_UPGRADE_ONLY=y\n", "# CONFIG_BOOT_UPGRADE_ONLY is not set\n");
    edit(d, BOOTCFG, "# CONFIG_BOOT_SWAP_USING_MOVE is not set\n", "CONFIG_BOOT_SWAP_USING_MOVE=y\n");
    /* devicetree of both images: qspi disabled, the NOR on spi4 */
    const char *dts[] = {APPDTS, BOOTDTS};
    for (int i = 0; i < 2; i++) {
        edit(d, dts[i], "\t\t\t\tstatus = \"okay\";\n\t\t\t\tpinctrl-0 = < &qspi_default >;",
             "\t\t\t\tstatus = \"disabled\";\n\t\t\t\tpinctrl-0 = < &qspi_default >;");
        edit(d, dts[i],
             "\t\t\t\tpinctrl-1 = < &spi4_sleep >;\n\t\t\t\tpinctrl-names = \"default\", \"sleep\";\n\t\t\t};",
             "\t\t\t\tpinctrl-1 = < &spi4_sleep >;\n\t\t\t\tpinctrl-names = \"default\", \"sleep\";\n"
             "\t\t\t\tmx25r64_spi: mx25r6435f@0 {\n\t\t\t\t\tcompatible = \"jedec,spi-nor\";\n"
             "\t\t\t\t\treg = < 0x0 >;\n\t\t\t\t\tspi-max-frequency = < 0x7a1200 >;\n"
             "\t\t\t\t\tjedec-id = [ C2 28 17 ];\n\t\t\t\t\tsize = < 0x4000000 >;\n\t\t\t\t};\n\t\t\t};");
        edit(d, dts[i], "nordic,pm-ext-flash = &mx25r64;", "nordic,pm-ext-flash = &mx25r64_spi;");
    }
    /* the sources */
    write_file(CASES "seed/application/prj.conf",
               "CONFIG_BT=y\nCONFIG_BT_PERIPHERAL=y\nCONFIG_BT_DEVICE_NAME=\"seed\"\n"
               "CONFIG_BOOTLOADER_MCUBOOT=y\nCONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y\n");
    mkdir(CASES "seed/application/boards", 0777);
    write_file(CASES "seed/application/boards/thingy53_nrf5340_cpuapp.overlay",
               "&qspi { status = \"disabled\"; };\n");
    mkdir(CASES "seed/child_image", 0777);
    write_file(CASES "seed/child_image/mcuboot.conf",
               "CONFIG_NORDIC_QSPI_NOR=n\nCONFIG_SPI=y\nCONFIG_SPI_NOR=y\n");
    return d;
}

/* The seed: "only MCUboot knows", and the implied QSPI driver. */
static void seed(void **state)
{
    (void)state;
    seed_case();
    assert_int_equal(cli("'" CASES "seed'"), 1);
    /* the diagnosis in the first lines of the report */
    const char *l = strchr(out, '\n');
    assert_non_null(l);
    assert_true(!strncmp(l, "\n\napp: 2 errors", 15));
    l = strchr(l + 2, '\n');
    assert_true(!strncmp(l + 1, "  error [check 1, driver-missing] mcuboot_secondary is on the "
                                "external SPI NOR (jedec,spi-nor) mx25r64_spi on spi4, but the "
                                "application is built without its driver (CONFIG_SPI, "
                                "CONFIG_SPI_NOR off); only MCUboot knows the chip: the "
                                "application cannot open mcuboot_secondary",
                         228));
    doctor(CASES "seed", NULL);
    const struct fk_doc_finding *f = &rep.f[0];
    assert_string_equal(f->id, "driver-missing");
    assert_string_equal(f->image, "app");
    assert_evid(f, "build/zephyr/.config:6: # CONFIG_SPI is not set");
    assert_evid(f, "application/prj.conf: no CONFIG_SPI line");
    assert_evid(f, "build/mcuboot/zephyr/.config");
    assert_evid(f, "/soc/peripheral@50000000/spi@a000/mx25r6435f@0: compatible \"jedec,spi-nor\"");
    assert_string_equal(f->fix_file, "application/prj.conf");
    assert_string_equal(f->fix_line, "CONFIG_SPI=y\nCONFIG_SPI_NOR=y");
    /* second: QSPI on in the app (implied), its node disabled, the PM flash on SPI */
    f = &rep.f[1];
    assert_string_equal(f->id, "driver-no-node");
    assert_int_equal(f->sev, FK_DOC_ERROR);
    assert_int_equal(f->check, 2);
    assert_has(f->msg, "CONFIG_NORDIC_QSPI_NOR=y in the application, but the qspi flash node or "
                       "its controller is disabled");
    assert_has(f->msg, "two drivers claim the external flash");
    assert_has(f->msg, "inferred: CONFIG_NCS_SAMPLE_MCUMGR_BT_OTA_DFU=y");
    assert_evid(f, "status = \"disabled\"");
    assert_evid(f, "nordic,pm-ext-flash = /soc/peripheral@50000000/spi@a000/mx25r6435f@0");
    assert_string_equal(f->fix_line, "CONFIG_NORDIC_QSPI_NOR=n");
    /* MCUboot has what it needs: nothing for its flash */
    assert_null(find("driver-missing", "mcuboot"));
    assert_null(find("driver-no-node", "mcuboot"));
    assert_int_equal(rep.errors, 2);
    /* the sources' lines are all in the build */
    assert_null(find("setting-not-applied", ""));

    /* spi4 disabled in the application too: the devicetree fix goes beside
     * prj.conf, into the board's overlay the project has */
    edit(CASES "seed", APPDTS, "\t\t\t\tstatus = \"okay\";\n\t\t\t\tcs-gpios = < &edge_connector",
         "\t\t\t\tstatus = \"disabled\";\n\t\t\t\tcs-gpios = < &edge_connector");
    doctor(CASES "seed", NULL);
    f = must("flash-node-disabled", "app", FK_DOC_ERROR, 1);
    assert_string_equal(f->fix_file, "application/boards/thingy53_nrf5340_cpuapp.overlay");
    assert_has(f->fix_line, " { status = \"okay\"; };");
}

/* Check 1: the NOR node (here its SPI controller) disabled in MCUboot. */
static void bus_disabled(void **state)
{
    (void)state;
    const char *d = make_case("bus-disabled", "olofjohnsson__car-heater");
    sh("sed -i '557s/\"okay\"/\"disabled\"/' '%s/" BOOTDTS "'", d);
    assert_int_equal(cli("'" CASES "bus-disabled'"), 1);
    doctor(CASES "bus-disabled", NULL);
    const struct fk_doc_finding *f = must("flash-node-disabled", "mcuboot", FK_DOC_ERROR, 1);
    assert_has(f->msg, "/soc/peripheral@50000000/spi@b000 is disabled");
    assert_evid(f, "build/mcuboot/zephyr/zephyr.dts:557: /soc/peripheral@50000000/spi@b000: status = \"disabled\"");
    assert_string_equal(f->fix_line, "&spi3 { status = \"okay\"; };");
    /* check 2: SPI_NOR=y with no enabled node */
    must("driver-no-node", "mcuboot", FK_DOC_WARNING, 2);
}

/* Check 3: the external flash differs between the images. */
static void ext_differs(void **state)
{
    (void)state;
    const char *d = make_case("ext-differs", "Botz-Limited__sensing_system-Zephyr");
    edit(d, "build_primary/mcuboot/zephyr/zephyr.dts", "jedec-id = [ C2 28 17 ];",
         "jedec-id = [ C2 28 18 ];");
    assert_int_equal(cli("'" CASES "ext-differs'"), 1);
    doctor(CASES "ext-differs", NULL);
    const struct fk_doc_finding *f = must("ext-flash-differs", "build", FK_DOC_ERROR, 3);
    assert_has(f->msg, "(jedec-id: application c2 28 17, MCUboot c2 28 18)");
    assert_evid(f, "build_primary/mcuboot/zephyr/zephyr.dts:486: "
                   "/soc/peripheral@50000000/qspi@2b000/mx25r6435f@0: c2 28 18");
    /* the project has sysbuild/mcuboot/, MCUboot's configuration folder */
    assert_string_equal(f->fix_file, "sysbuild/mcuboot/app.overlay");
    assert_string_equal(f->fix_line, "&mx25r64 { jedec-id = [c2 28 17]; };");
    edit(d, "build_primary/mcuboot/zephyr/zephyr.dts", "jedec-id = [ C2 28 18 ];",
         "jedec-id = [ C2 28 17 ];");
    edit(d, "build_primary/mcuboot/zephyr/zephyr.dts", "size = < 0x4000000 >;",
         "size = < 0x2000000 >;");
    doctor(CASES "ext-differs", NULL);
    f = must("ext-flash-differs", "build", FK_DOC_ERROR, 3);
    assert_has(f->msg, "(size: application 0x800000, MCUboot 0x400000)");
    /* and the partitions up to 0x800000 no longer fit MCUboot's 4 MiB chip */
    f = must("ext-flash-size", "build", FK_DOC_ERROR, 3);
    assert_has(f->msg, "but mx25r64 is 0x400000 bytes");
}

/* Check 4: a slot off the erase page, an overlap. */
static void layout_rules(void **state)
{
    (void)state;
    const char *d = make_case("layout", "kapcina69__Smart_watch");
    edit(d, "build/partitions.yml",
         "mcuboot_secondary:\n  address: 0x86000\n  end_address: 0x100000",
         "mcuboot_secondary:\n  address: 0x86800\n  end_address: 0x100000");
    edit(d, "build/partitions.yml", "  share_size:\n  - mcuboot_primary\n  size: 0x7a000",
         "  share_size:\n  - mcuboot_primary\n  size: 0x79800");
    edit(d, "build/partitions.yml", "  end_address: 0xc000\n  placement:",
         "  end_address: 0xd000\n  placement:");
    edit(d, "build/partitions.yml", "  region: flash_primary\n  size: 0xc000\n",
         "  region: flash_primary\n  size: 0xd000\n");
    assert_int_equal(cli("'" CASES "layout'"), 1);
    doctor(CASES "layout", NULL);
    const struct fk_doc_finding *f = must("erase-align", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "mcuboot_secondary [0x86800-0x100000) on flash_primary starts 0x800 bytes");
    assert_string_equal(f->fix_line, "mcuboot_secondary: { address: 0x87000, end_address: "
                                     "0x100000, size: 0x79000 }  # whole 0x1000-byte sectors");
    f = must("overlap", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "app [0xc200-0x86000) and mcuboot [0x0-0xd000) overlap by 0xe00 bytes at "
                       "[0xc200-0xd000)");
    f = must("share-size", "build", FK_DOC_ERROR, 4);
    assert_has(f->msg, "mcuboot_secondary is 0x79800 bytes but declares share_size with "
                       "mcuboot_primary, which is 0x7a000 bytes");
}

/* Check 5: BOOT_MAX_IMG_SECTORS below the slot's sector count. */
static void max_sectors(void **state)
{
    (void)state;
    const char *d = make_case("sectors", "kapcina69__Smart_watch");
    edit(d, BOOTCFG, "CONFIG_BOOT_MAX_IMG_SECTORS=128\n", "CONFIG_BOOT_MAX_IMG_SECTORS=100\n");
    assert_int_equal(cli("'" CASES "sectors'"), 1);
    doctor(CASES "sectors", NULL);
    const struct fk_doc_finding *f = must("max-img-sectors", "mcuboot", FK_DOC_ERROR, 5);
    assert_has(f->msg, "mcuboot_primary has 122 sectors; MCUboot built with BOOT_MAX_IMG_SECTORS=100");
    assert_evid(f, "build/mcuboot/zephyr/.config:51: CONFIG_BOOT_MAX_IMG_SECTORS=100");
    assert_string_equal(f->fix_file, "sysbuild/mcuboot.conf");
    assert_string_equal(f->fix_line, "CONFIG_BOOT_MAX_IMG_SECTORS=122");
}

/* Check 5: swap using scratch without a scratch partition (modes agree). */
static void scratch(void **state)
{
    (void)state;
    const char *d = make_case("scratch", "kapcina69__Smart_watch");
    edit(d, BOOTCFG, "CONFIG_BOOT_SWAP_USING_MOVE=y\n", "# CONFIG_BOOT_SWAP_USING_MOVE is not set\n");
    edit(d, BOOTCFG, "# CONFIG_BOOT_SWAP_USING_SCRATCH is not set\n", "CONFIG_BOOT_SWAP_USING_SCRATCH=y\n");
    edit(d, "build/Smartwatch/zephyr/.config", "CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH=y\n",
         "# CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH is not set\n");
    edit(d, "build/Smartwatch/zephyr/.config", "# CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_SCRATCH is not set\n",
         "CONFIG_MCUBOOT_BOOTLOADER_MODE_SWAP_SCRATCH=y\n");
    edit(d, "build/zephyr/.config", "SB_CONFIG_MCUBOOT_MODE_SWAP_WITHOUT_SCRATCH=y\n",
         "# SB_CONFIG_MCUBOOT_MODE_SWAP_WITHOUT_SCRATCH is not set\n");
    edit(d, "build/zephyr/.config", "# SB_CONFIG_MCUBOOT_MODE_SWAP_SCRATCH is not set\n",
         "SB_CONFIG_MCUBOOT_MODE_SWAP_SCRATCH=y\n");
    assert_int_equal(cli("'" CASES "scratch'"), 1);
    doctor(CASES "scratch", NULL);
    const struct fk_doc_finding *f = must("no-scratch", "mcuboot", FK_DOC_ERROR, 5);
    assert_has(f->msg, "MCUboot runs swap using scratch, which needs a mcuboot_scratch partition");
    assert_null(find("mode-mismatch", ""));
    assert_int_equal(rep.errors, 1);
}

/* Check 5: the application signed with another key than MCUboot trusts. */
static void sig_key(void **state)
{
    (void)state;
    const char *d = make_case("sigkey", "kapcina69__Smart_watch");
    edit(d, "build/Smartwatch/zephyr/.config",
         "CONFIG_MCUBOOT_SIGNATURE_KEY_FILE=\"/home/luka/ncs/v2.9.1/bootloader/mcuboot/root-ec-p256.pem\"",
         "CONFIG_MCUBOOT_SIGNATURE_KEY_FILE=\"/home/luka/keys/product.pem\"");
    assert_int_equal(cli("'" CASES "sigkey'"), 1);
    doctor(CASES "sigkey", NULL);
    const struct fk_doc_finding *f = must("sig-key", "app", FK_DOC_ERROR, 5);
    assert_has(f->msg, "signed with '/home/luka/keys/product.pem' but MCUboot verifies with "
                       "'/home/luka/ncs/v2.9.1/bootloader/mcuboot/root-ec-p256.pem'");
}

/* Check 6: mcumgr without a transport; no progressive erase; 23-byte MTU. */
static void update_path(void **state)
{
    (void)state;
    const char *d = make_case("update", "kapcina69__Smart_watch");
    edit(d, "build/Smartwatch/zephyr/.config", "\nCONFIG_MCUMGR_TRANSPORT_BT=y\n",
         "\n# CONFIG_MCUMGR_TRANSPORT_BT is not set\n");
    assert_int_equal(cli("'" CASES "update'"), 1);
    doctor(CASES "update", NULL);
    const struct fk_doc_finding *f = must("update-path", "app", FK_DOC_ERROR, 6);
    assert_has(f->msg, "no SMP transport");
    assert_string_equal(f->fix_line, "CONFIG_MCUMGR_TRANSPORT_BT=y");

    edit(d, "build/Smartwatch/zephyr/.config", "\n# CONFIG_MCUMGR_TRANSPORT_BT is not set\n",
         "\nCONFIG_MCUMGR_TRANSPORT_BT=y\n");
    edit(d, "build/Smartwatch/zephyr/.config", "CONFIG_IMG_ERASE_PROGRESSIVELY=y\n",
         "# CONFIG_IMG_ERASE_PROGRESSIVELY is not set\n");
    edit(d, "build/Smartwatch/zephyr/.config", "CONFIG_BT_L2CAP_TX_MTU=498\n", "CONFIG_BT_L2CAP_TX_MTU=23\n");
    assert_int_equal(cli("'" CASES "update'"), 0); /* warnings alone: exit 0 */
    doctor(CASES "update", NULL);
    f = must("erase-progressively", "app", FK_DOC_WARNING, 6);
    assert_has(f->msg, "(0x7a000 bytes, 122 pages of 4 KiB) before it stores the first chunk: "
                       "about 10.3 s");
    f = must("bt-buffers", "app", FK_DOC_WARNING, 6);
    assert_has(f->msg, "BT_L2CAP_TX_MTU=23");
    assert_has(f->msg, "each write carries 20 bytes");
}

/* Eras: the same build with NCS <= 2.2 names. Nothing is "missing". */
static void old_names(void **state)
{
    (void)state;
    const char *d = make_case("old-names", "kapcina69__Smart_watch");
    sh("sed -i -e '/MCUBOOT_BOOTLOADER_MODE_/d'"
       " -e 's/^CONFIG_MCUMGR_GRP_IMG=/CONFIG_MCUMGR_CMD_IMG_MGMT=/'"
       " -e 's/^CONFIG_MCUMGR_GRP_OS=/CONFIG_MCUMGR_CMD_OS_MGMT=/'"
       " -e 's/^CONFIG_MCUMGR_TRANSPORT_BT=/CONFIG_MCUMGR_SMP_BT=/'"
       " -e 's/^CONFIG_MCUMGR_TRANSPORT_NETBUF_SIZE=/CONFIG_MCUMGR_BUF_SIZE=/'"
       " -e 's/^CONFIG_MCUMGR_TRANSPORT_BT_REASSEMBLY=/CONFIG_MCUMGR_SMP_REASSEMBLY_BT=/'"
       " '%s/build/Smartwatch/zephyr/.config'", d);
    assert_int_equal(cli("'" CASES "old-names'"), 0);
    assert_has(out, "Kconfig names: NCS <= 2.2 names");
    doctor(CASES "old-names", NULL);
    assert_null(find("update-path", ""));
    assert_null(find("mode-mismatch", ""));
    const struct fk_doc_finding *f = must("mode-era", "app", FK_DOC_NOTE, 5);
    assert_has(f->msg, "this build uses NCS <= 2.2 names");
    f = must("bt-buffers", "app", FK_DOC_NOTE, 6);
    assert_has(f->msg, "MCUMGR_BUF_SIZE=2475");
}

/* Check 7: a flash the doctor does not know; an image without zephyr.dts. */
static void unknown_things(void **state)
{
    (void)state;
    const char *d = make_case("unknown", "justanotherkendrik__matter-sensor-example");
    edit(d, APPDTS, "compatible = \"nordic,qspi-nor\";", "compatible = \"acme,odd-flash\";");
    doctor(CASES "unknown", NULL);
    const struct fk_doc_finding *f = must("unknown-flash", "app", FK_DOC_WARNING, 7);
    assert_has(f->msg, "compatible \"acme,odd-flash\"), a flash fotakit doctor does not know");

    d = make_case("no-dts", "kapcina69__Smart_watch");
    sh("rm '%s/" BOOTDTS "'", d);
    assert_int_equal(cli("'" CASES "no-dts'"), 0);
    doctor(CASES "no-dts", NULL);
    f = must("no-devicetree", "mcuboot", FK_DOC_WARNING, 7);
    assert_evid(f, "build/mcuboot/zephyr/zephyr.dts: missing");
}

/* Garbage, truncated and empty files: exit 2 and a sentence naming the file. */
static void bad_file(const char *name, const char *rel, const char *how, const char *expect)
{
    const char *d = make_case(name, "kapcina69__Smart_watch");
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", d, rel);
    if (!strcmp(how, "empty")) {
        write_file(p, "");
    } else if (!strcmp(how, "garbage")) {
        write_file(p, "\x7f" "ELF\x01 this is { not ] what: it: claims\n");
    } else {
        /* truncated: cut at 45 % of the file, moved back to two characters
         * into a line (a cut exactly at a line end leaves a shorter but
         * well-formed file, which no reader can tell from a real one) */
        FILE *f = fopen(p, "rb");
        assert_non_null(f);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        size_t cut = n * 45 / 100;
        while (cut > 2 && (buf[cut - 1] == '\n' || buf[cut - 2] == '\n')) {
            cut--;
        }
        f = fopen(p, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, cut, f), cut);
        fclose(f);
    }
    char args[1300];
    snprintf(args, sizeof args, "'%s'", d);
    assert_int_equal(cli(args), 2);
    assert_string_equal(out, "");
    assert_has(errout, "fotakit doctor: ");
    assert_has(errout, rel + 6); /* the file's path below the build folder */
    assert_has(errout, expect);
}

static void bad_files(void **state)
{
    (void)state;
    bad_file("cfg-empty", "build/Smartwatch/zephyr/.config", "empty", "the file is empty");
    bad_file("cfg-garbage", "build/Smartwatch/zephyr/.config", "garbage", "is not a Kconfig line");
    bad_file("cfg-trunc", "build/mcuboot/zephyr/.config", "trunc", "truncated");
    bad_file("dts-empty", "build/mcuboot/zephyr/zephyr.dts", "empty", "the file is empty");
    bad_file("dts-garbage", "build/mcuboot/zephyr/zephyr.dts", "garbage",
             "zephyr.dts:1.1-2 syntax error: dtc cannot compile it");
    bad_file("dts-trunc", "build/Smartwatch/zephyr/zephyr.dts", "trunc", "dtc cannot compile it");
    bad_file("pm-empty", "build/partitions.yml", "empty", "the file is empty");
    bad_file("pm-garbage", "build/partitions.yml", "garbage", "partitions.yml:1:");
    bad_file("pm-trunc", "build/partitions.yml", "trunc", "the file ends in the middle of a line");
    /* not a build; no such folder */
    mkdir(CASES "not-a-build", 0777);
    assert_int_equal(cli("'" CASES "not-a-build'"), 2);
    assert_has(errout, "not-a-build: not an nRF Connect SDK build folder: no partitions.yml");
    assert_int_equal(cli("'" CASES "'"), 2);
    assert_has(errout, "build folders below it");
    assert_int_equal(cli("'" CASES "nonexistent'"), 2);
    assert_has(errout, "no such folder");
    assert_int_equal(cli(""), 2);
    assert_int_equal(cli("--bogus x"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed),        cmocka_unit_test(bus_disabled),
        cmocka_unit_test(ext_differs), cmocka_unit_test(layout_rules),
        cmocka_unit_test(max_sectors), cmocka_unit_test(scratch),
        cmocka_unit_test(sig_key),     cmocka_unit_test(update_path),
        cmocka_unit_test(old_names),   cmocka_unit_test(unknown_things),
        cmocka_unit_test(bad_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
