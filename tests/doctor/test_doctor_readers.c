/*
 * The doctor's three readers on buffers (the entry points the fuzz targets
 * call): .config, devicetree source / blob, partitions.yml. Exact values
 * and exact error sentences.
 */
#define DT_TAG "readers"
#include "dt_util.h"

static struct fk_kconfig kc;
static char err[FK_DOC_ERR_LEN];

static int kparse(const char *text)
{
    return fk_doctor_kconfig_parse("x/.config", text, strlen(text), &kc, err, sizeof err);
}

static void kconfig_values(void **state)
{
    (void)state;
    assert_int_equal(kparse("\n#\n# Section\n#\nCONFIG_A=y\n# CONFIG_B is not set\n"
                            "CONFIG_S=\"a \\\"q\\\" \\\\ b\"\nCONFIG_H=0x1F000\nCONFIG_I=-12\n"
                            "CONFIG_M=m\nCONFIG_E=\"\"\r\n"),
                     FK_OK);
    assert_false(kc.sysbuild);
    assert_int_equal(kc.count, 7);
    const struct fk_kc_sym *s = fk_kconfig_get(&kc, "A");
    assert_non_null(s);
    assert_int_equal(s->type, FK_KC_BOOL);
    assert_int_equal(s->line, 5);
    s = fk_kconfig_get(&kc, "B");
    assert_int_equal(s->type, FK_KC_NOT_SET);
    assert_int_equal(s->line, 6);
    assert_false(fk_kconfig_y(&kc, "B"));
    s = fk_kconfig_get(&kc, "S");
    assert_int_equal(s->type, FK_KC_STRING);
    assert_string_equal(s->value, "a \"q\" \\ b");
    s = fk_kconfig_get(&kc, "H");
    assert_int_equal(s->type, FK_KC_HEX);
    assert_int_equal(s->num, 0x1f000);
    s = fk_kconfig_get(&kc, "I");
    assert_int_equal(s->type, FK_KC_INT);
    assert_int_equal(s->num, -12);
    assert_true(fk_kconfig_y(&kc, "M"));
    assert_string_equal(fk_kconfig_get(&kc, "E")->value, "");
    assert_null(fk_kconfig_get(&kc, "NOPE"));
    fk_doctor_kconfig_free(&kc);

    assert_int_equal(kparse("SB_CONFIG_BOARD=\"nrf52840dk\"\n# SB_CONFIG_X is not set\n"), FK_OK);
    assert_true(kc.sysbuild);
    assert_string_equal(fk_kconfig_get(&kc, "BOARD")->value, "nrf52840dk");
    assert_int_equal(fk_kconfig_get(&kc, "X")->type, FK_KC_NOT_SET);
    fk_doctor_kconfig_free(&kc);
}

static void kconfig_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        size_t len; /* 0: strlen */
        const char *msg;
    } bad[] = {
        {"", 0, "x/.config: the file is empty: a Kconfig .config has CONFIG_ lines; rebuild the "
                "image (west build) to regenerate it"},
        {"CONFIG_A=y\nCONFIG_B=1", 0,
         "x/.config:2: the last line has no newline: the file is truncated (Kconfig ends every "
         "line); rebuild the image to regenerate it"},
        {"hello world\n", 0,
         "x/.config:1: 'hello world' is not a Kconfig line (CONFIG_NAME=value, a comment, or "
         "'# CONFIG_NAME is not set'): is this a .config?"},
        {"CONFIG_A=y\nCONFIG_S=\"abc\n", 0,
         "x/.config:2: CONFIG_S: value '\"abc': the string has no closing quote (is the file "
         "truncated?)"},
        {"CONFIG_A=yes\n", 0, "x/.config:1: CONFIG_A: value 'yes': not y, m, n, a quoted string "
                              "or a number"},
        {"CONFIG_A\n", 0, "x/.config:1: 'CONFIG_A' has no '=' after the symbol name: not a "
                          "Kconfig line (is the file truncated or edited?)"},
        {"CONFIG_A=y\nSB_CONFIG_B=y\n", 0,
         "x/.config:2: mixes CONFIG_ and SB_CONFIG_ lines: not one Kconfig .config"},
        {"CONFIG_A=y\nCONFIG_B=y\nCONFIG_A=n\n", 0,
         "x/.config:3: CONFIG_A is set twice (also line 1): Kconfig writes each symbol once; the "
         "file was edited by hand"},
        {"# only\n# comments\n", 0,
         "x/.config: no CONFIG_ lines (only comments): not a Kconfig .config; rebuild the image"},
        {"CONFIG_A=y\n\0\n", 13, "x/.config: binary data (a NUL byte): not a Kconfig .config"},
        {"CONFIG_H=0x12345678901234567\n", 0, "x/.config:1: CONFIG_H: value '0x12345678901234567': "
                                              "not a hex number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].text);
        assert_int_equal(fk_doctor_kconfig_parse("x/.config", bad[i].text, len, &kc, err, sizeof err),
                         FK_EINVAL);
        assert_string_equal(err, bad[i].msg);
        assert_int_equal(kc.count, 0);
        assert_null(kc.sym);
    }
}

static const char dts_src[] =
    "/dts-v1/;\n"
    "/ {\n"
    "\t#address-cells = < 0x1 >;\n"
    "\t#size-cells = < 0x1 >;\n"
    "\tchosen {\n"
    "\t\tzephyr,flash = &flash0;\n"
    "\t\tnordic,pm-ext-flash = &nor;\n"
    "\t};\n"
    "\tsoc {\n"
    "\t\t#address-cells = < 0x1 >;\n"
    "\t\t#size-cells = < 0x1 >;\n"
    "\t\tfc: flash-controller@39000 {\n"
    "\t\t\t#address-cells = < 0x1 >;\n"
    "\t\t\t#size-cells = < 0x1 >;\n"
    "\t\t\treg = < 0x39000 0x1000 >;\n"
    "\t\t\tflash0: flash@0 {\n"
    "\t\t\t\tcompatible = \"soc-nv-flash\";\n"
    "\t\t\t\terase-block-size = < 0x1000 >;\n"
    "\t\t\t\treg = < 0x0 0x100000 >;\n"
    "\t\t\t};\n"
    "\t\t};\n"
    "\t\tspi4: spi@a000 {\n"
    "\t\t\tcompatible = \"nordic,nrf-spim\";\n"
    "\t\t\t#address-cells = < 0x1 >;\n"
    "\t\t\t#size-cells = < 0x0 >;\n"
    "\t\t\treg = < 0xa000 0x1000 >;\n"
    "\t\t\tstatus = \"okay\";\n"
    "\t\t\tnor: mx25r6435f@0 {\n"
    "\t\t\t\tcompatible = \"jedec,spi-nor\";\n"
    "\t\t\t\treg = < 0x0 >;\n"
    "\t\t\t\tjedec-id = [ C2 28 17 ];\n"
    "\t\t\t\tsize = < 0x4000000 >;\n"
    "\t\t\t};\n"
    "\t\t};\n"
    "\t\tqspi@2b000 {\n"
    "\t\t\tcompatible = \"nordic,nrf-qspi\";\n"
    "\t\t\t#address-cells = < 0x1 >;\n"
    "\t\t\t#size-cells = < 0x0 >;\n"
    "\t\t\treg = < 0x2b000 0x1000 >;\n"
    "\t\t\tstatus = \"disabled\";\n"
    "\t\t\tq@0 {\n"
    "\t\t\t\tcompatible = \"nordic,qspi-nor\";\n"
    "\t\t\t\treg = < 0x0 >;\n"
    "\t\t\t\tlabel = \"MX25R64\";\n"
    "\t\t\t\tsize = < 0x4000000 >;\n"
    "\t\t\t};\n"
    "\t\t};\n"
    "\t};\n"
    "};\n";

static void dts_read(void **state)
{
    (void)state;
    struct fk_dts d;
    assert_int_equal(fk_doctor_dts_parse("z.dts", dts_src, strlen(dts_src), &d, err, sizeof err),
                     FK_OK);
    char buf[160];
    assert_string_equal(fk_dts_chosen(&d, "nordic,pm-ext-flash", buf, sizeof buf),
                        "/soc/spi@a000/mx25r6435f@0");
    assert_string_equal(fk_dts_chosen(&d, "nope", buf, sizeof buf), "");
    struct fk_dts_flash f;
    assert_int_equal(fk_dts_flash_at(&d, "/soc/spi@a000/mx25r6435f@0", &f), FK_OK);
    assert_int_equal(f.kind, FK_DTS_FLASH_SPI_NOR);
    assert_string_equal(f.label, "nor");
    assert_int_equal(f.size, 0x800000); /* 0x4000000 bits */
    assert_true(f.has_jedec_id);
    assert_memory_equal(f.jedec_id, "\xc2\x28\x17", 3);
    assert_true(f.okay);
    assert_string_equal(f.bus_path, "/soc/spi@a000");
    assert_string_equal(f.bus_label, "spi4");
    assert_string_equal(f.bus_compatible, "nordic,nrf-spim");
    assert_true(f.bus_okay);
    assert_int_equal(fk_dts_flash_at(&d, "/soc/flash-controller@39000/flash@0", &f), FK_OK);
    assert_int_equal(f.kind, FK_DTS_FLASH_SOC);
    assert_int_equal(f.size, 0x100000);
    assert_int_equal(f.erase_size, 0x1000);
    assert_int_equal(fk_dts_flash_at(&d, "/soc/nothing", &f), FK_ENOENT);
    struct fk_dts_flash all[4];
    assert_int_equal(fk_dts_flash_all(&d, FK_DTS_FLASH_QSPI_NOR, all, 4), 1);
    assert_true(all[0].okay);       /* the node itself has no status */
    assert_false(all[0].bus_okay);  /* its controller is disabled */
    assert_string_equal(all[0].label, "MX25R64"); /* the legacy label property */
    assert_string_equal(fk_dts_find_label(&d, "MX25R64", buf, sizeof buf), "/soc/qspi@2b000/q@0");
    assert_string_equal(fk_dts_find_label(&d, "spi4", buf, sizeof buf), "/soc/spi@a000");
    /* lines in the source, from dtc's annotation */
    assert_int_equal(fk_dts_line(&d, "/soc/spi@a000/mx25r6435f@0", NULL), 28);
    assert_int_equal(fk_dts_line(&d, "/soc/spi@a000/mx25r6435f@0", "size"), 32);
    assert_int_equal(fk_dts_line(&d, "/soc/qspi@2b000", "status"), 40);
    assert_int_equal(fk_dts_line(&d, "/chosen", "nordic,pm-ext-flash"), 7);
    assert_int_equal(fk_dts_line(&d, "/soc/qspi@2b000", "nope"), 0);

    /* the same blob without dtc: same facts, no lines */
    struct fk_dts b;
    assert_int_equal(fk_doctor_dtb_parse("z.dtb", d.blob, d.blob_len, &b, err, sizeof err), FK_OK);
    assert_int_equal(fk_dts_flash_at(&b, "/soc/spi@a000/mx25r6435f@0", &f), FK_OK);
    assert_int_equal(f.size, 0x800000);
    assert_int_equal(fk_dts_line(&b, "/soc/spi@a000/mx25r6435f@0", NULL), 0);
    /* a damaged blob */
    ((uint8_t *)b.blob)[b.blob_len / 2] ^= 0xff;
    ((uint8_t *)b.blob)[8] ^= 0x7f;
    struct fk_dts c;
    assert_int_equal(fk_doctor_dtb_parse("z.dtb", b.blob, b.blob_len, &c, err, sizeof err),
                     FK_EINVAL);
    assert_non_null(strstr(err, "z.dtb: the devicetree blob is damaged: "));
    assert_int_equal(fk_doctor_dtb_parse("z.dtb", "junk", 4, &c, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "z.dtb: not a flattened devicetree (bad magic)");
    fk_doctor_dts_free(&b);
    fk_doctor_dts_free(&d);
}

static void dts_errors(void **state)
{
    (void)state;
    struct fk_dts d;
    assert_int_equal(fk_doctor_dts_parse("z.dts", "", 0, &d, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "z.dts: the file is empty: a zephyr.dts holds the image's final "
                             "devicetree; rebuild the image to regenerate it");
    assert_int_equal(fk_doctor_dts_parse("z.dts", "/dts-v1/;\n/ {\n\ta = <1>;\n", 22, &d, err,
                                         sizeof err),
                     FK_EINVAL);
    assert_string_equal(err, "z.dts:3.8-9 syntax error: dtc cannot compile it: not a complete "
                             "devicetree (is the file truncated? rebuild the image to "
                             "regenerate it)");
    assert_int_equal(fk_doctor_dts_parse("z.dts", "/dts-v1/;\n/ { };\n", 17, &d, err, sizeof err),
                     FK_EINVAL);
    assert_string_equal(err, "z.dts: the devicetree has no nodes: not a Zephyr zephyr.dts");
    assert_int_equal(fk_doctor_dts_parse("z.dts", "a\0b", 3, &d, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "z.dts: binary data (a NUL byte): not devicetree source");
    assert_null(d.blob);
}

static void partitions(void **state)
{
    (void)state;
    struct fk_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    static const char ok[] = "mcuboot:\n  address: 0x0\n  end_address: 0xc000\n  region: "
                             "flash_primary\n  sharers: 0x1\n  size: 0xc000\n";
    assert_int_equal(fk_doctor_partitions_parse("p.yml", ok, strlen(ok), l, err, sizeof err), FK_OK);
    assert_int_equal(l->count, 1);
    assert_int_equal(l->part[0].size, 0xc000);
    assert_int_equal(fk_doctor_partitions_parse("p.yml", "", 0, l, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "p.yml: the file is empty: the Partition Manager writes every "
                             "partition there; rebuild to regenerate it");
    assert_int_equal(fk_doctor_partitions_parse("p.yml", ok, 40, l, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "p.yml:3: the file ends in the middle of a line: it is truncated; "
                             "rebuild to regenerate it");
    static const char junk[] = "- [a, b\n";
    assert_true(fk_doctor_partitions_parse("p.yml", junk, strlen(junk), l, err, sizeof err) < 0);
    assert_non_null(strstr(err, "p.yml:"));
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kconfig_values), cmocka_unit_test(kconfig_errors),
        cmocka_unit_test(dts_read),       cmocka_unit_test(dts_errors),
        cmocka_unit_test(partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
