/*
 * `fotakit layout` as a user runs it (the fk_layout_cli driver runs the real
 * tools/fotakit/cmd_layout.c): exit codes 0 / 1 / 2, the report, byte-identical
 * header regeneration, the SVG with problems in red.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include "lt_util.h"

#define OUT FOTAKIT_BINARY_DIR "/tests/layout/cli-out"
#define L(n) LT_SHARED n ".pm_static.yml"
#define B(n) LT_SHARED n ".board.yml"

static char out[1 << 16], errout[1 << 16];

static void slurp(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run the CLI with args (a shell-quoted string); returns its exit code. */
static int cli(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s/stdout' 2>'%s/stderr'", FK_LAYOUT_CLI, args, OUT, OUT);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    slurp(OUT "/stdout", out, sizeof out);
    slurp(OUT "/stderr", errout, sizeof errout);
    return WEXITSTATUS(st);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    mkdir(OUT, 0777);
    return 0;
}

static void check_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")), 0);
    assert_has(out, "devices");
    assert_has(out, "external_flash  spi-nor");
    assert_has(out, "0xe8000 (928 KiB)");
    assert_has(out, "mcuboot_secondary");
    assert_has(out, "upgrade strategies");
    assert_has(out, "OK: 0 errors");
    assert_int_equal(cli("check " L("nrf52840-internal-only") " --board " B("nrf52840")), 0);
    assert_has(out, "(free)               flash_primary   0xf7000    0xf8000");
    assert_int_equal(cli("check " L("nrf52840-spi-nor-2mb") " --board " B("nrf52840-spi-nor-2mb")), 0);

    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-no-ext-flash")), 1);
    assert_has(out, "[no-device] mcuboot_secondary");
    assert_has(out, "-19");
    assert_has(out, "FAILED: 2 errors");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb.broken-secondary-unaligned") " --board "
                         B("nrf5340-spi-nor-2mb")), 1);
    assert_has(out, "[erase-align] mcuboot_secondary");
    assert_has(out, "[overlap] mcuboot_secondary");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb.broken-secondary-half") " --board "
                         B("nrf5340-spi-nor-2mb")), 1);
    assert_has(out, "[slot-size] mcuboot_secondary");
}

static void strategy_option(void **state)
{
    (void)state;
    write_file(OUT "/big-sector.board.yml",
               "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
               "external_flash: {kind: spi-nor, bus: spi4, chosen: nordic_pm_ext_flash,"
               " size: 0x200000, erase-size: 0x10000, write-size: 1}\n");
    /* primary at 0xc000 is not made of 64 KB units: no swap */
    write_file(OUT "/big-sector.pm_static.yml",
               "mcuboot: {address: 0x0, size: 0xc000}\n"
               "mcuboot_primary: {address: 0xc000, size: 0xe8000}\n"
               "mcuboot_secondary: {address: 0x0, size: 0xf0000, region: external_flash,"
               " device: DT_CHOSEN(nordic_pm_ext_flash)}\n");
    /* information only without --strategy */
    assert_int_equal(cli("check " OUT "/big-sector.pm_static.yml --board " OUT "/big-sector.board.yml"), 0);
    assert_has(out, "swap" "                       " "no"); /* name column: 26 wide */
    assert_int_equal(cli("check " OUT "/big-sector.pm_static.yml --board " OUT
                         "/big-sector.board.yml --strategy swap"), 1);
    assert_has(out, "[strategy]");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")
                         " --strategy overwrite-only"), 0);
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")
                         " --strategy scratch"), 2);
    assert_has(errout, "unknown strategy 'scratch'");
}

static void unreadable_input_is_2(void **state)
{
    (void)state;
    assert_int_equal(cli("check /nonexistent.yml --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "cannot read the layout: /nonexistent.yml: cannot open");
    write_file(OUT "/notyaml.yml", "mcuboot: [\n  {{{\n");
    assert_int_equal(cli("check " OUT "/notyaml.yml --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "notyaml.yml:");
    assert_has(errout, "not valid YAML");
    write_file(OUT "/neg.yml", "mcuboot:\n  address: -4096\n  size: 0xc000\n");
    assert_int_equal(cli("check " OUT "/neg.yml --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "neg.yml:2:12: partition 'mcuboot', key 'address': '-4096' is negative");
    write_file(OUT "/selfref.yml", "mcuboot: &a {address: 0, size: 0x1000, span: [*a]}\n");
    assert_int_equal(cli("check " OUT "/selfref.yml --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "self-referencing alias");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " OUT "/notyaml.yml"), 2);
    assert_has(errout, "cannot read the board file");
    /* a 10 MB file */
    FILE *f = fopen(OUT "/big.yml", "w");
    assert_non_null(f);
    for (int i = 0; ftell(f) < 10L << 20; i++) {
        fprintf(f, "# padding line %d to make a very large file ..........................\n", i);
    }
    fclose(f);
    assert_int_equal(cli("check " OUT "/big.yml --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "larger than 1048576 bytes");
    remove(OUT "/big.yml");
}

static void usage_errors_are_2(void **state)
{
    (void)state;
    assert_int_equal(cli(""), 2);
    assert_int_equal(cli("frobnicate"), 2);
    assert_has(errout, "unknown subcommand 'frobnicate'");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "need LAYOUT and --board BOARD");
    assert_int_equal(cli("check a.yml b.yml --board c.yml"), 2);
    assert_int_equal(cli("check --bogus"), 2);
    assert_int_equal(cli("header " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "need -o FILE");
    assert_int_equal(cli("--help"), 0);
    assert_has(out, "fotakit layout check");
}

static void header_is_byte_identical(void **state)
{
    (void)state;
    static char h1[1 << 16], h2[1 << 16];
    assert_int_equal(cli("header " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")
                         " -o " OUT "/h1.h"), 0);
    slurp(OUT "/h1.h", h1, sizeof h1);
    /* the same inputs through another path spelling and another output name */
    assert_int_equal(cli("header " LT_SHARED "/../layouts/nrf5340-spi-nor-2mb.pm_static.yml --board "
                         B("nrf5340-spi-nor-2mb") " -o " OUT "/h2.h"), 0);
    slurp(OUT "/h2.h", h2, sizeof h2);
    assert_true(strlen(h1) > 1000);
    assert_string_equal(h1, h2);
    assert_has(h1, "#define FK_LAYOUT_AREA_MCUBOOT_SECONDARY_DEV FK_LAYOUT_DEV_EXTERNAL_FLASH");
    /* a layout with errors gets no header */
    remove(OUT "/h3.h");
    assert_int_equal(cli("header " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-no-ext-flash")
                         " -o " OUT "/h3.h"), 1);
    assert_has(errout, "no header written");
    struct stat st;
    assert_int_not_equal(stat(OUT "/h3.h", &st), 0);
}

static void draw_svg(void **state)
{
    (void)state;
    static char svg[1 << 17];
    assert_int_equal(cli("draw " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-spi-nor-2mb")
                         " -o " OUT "/seed.svg"), 0);
    slurp(OUT "/seed.svg", svg, sizeof svg);
    assert_has(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
    assert_has(svg, "</svg>");
    assert_has(svg, ">mcuboot_secondary</text>");
    assert_has(svg, "mcuboot_pad 0xc000-0xc200"); /* the tiny one gets a callout */
    assert_null(strstr(svg, "part bad\"><title>"));
    assert_int_equal(cli("draw " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-no-ext-flash")
                         " -o " OUT "/noext.svg"), 1);
    slurp(OUT "/noext.svg", svg, sizeof svg);
    assert_has(svg, "NOT ON THIS BOARD");
    assert_has(svg, "class=\"part bad\"><title>mcuboot_secondary");
    assert_has(svg, "Failed to open flash area ... -19");
    assert_int_equal(cli("draw " L("nrf5340-spi-nor-2mb.broken-secondary-unaligned") " --board "
                         B("nrf5340-spi-nor-2mb") " -o " OUT "/unal.svg"), 1);
    slurp(OUT "/unal.svg", svg, sizeof svg);
    assert_has(svg, "class=\"ovl\"");
    assert_has(svg, "! overlaps external_flash at 0xe8000-0xe8100");
    assert_has(svg, "! starts 0x100, off a 0x1000 erase boundary");
}

static unsigned count_of(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* What a new user tripped on (issue 14). */
static void new_user_mends(void **state)
{
    (void)state;
    /* layout and board given the wrong way round: say so */
    assert_int_equal(cli("check " B("nrf5340-spi-nor-2mb") " --board " L("nrf5340-spi-nor-2mb")), 2);
    assert_string_equal(errout, "fotakit layout: cannot read the layout: " B("nrf5340-spi-nor-2mb")
                        ":5:3: partition 'flash_primary': unknown key 'kind': this looks like a "
                        "board file, not a partition file; give the layout (pm_static.yml) first "
                        "and the board with --board\n");
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " L("nrf5340-spi-nor-2mb")), 2);
    assert_has(errout, "unknown key 'address': this looks like a partition file (pm_static.yml), "
                       "not a board file; give the layout first and the board with --board");
    /* a missing device: the whole fix once, then a pointer to it */
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb") " --board " B("nrf5340-no-ext-flash")), 1);
    assert_int_equal(count_of(out, "and enable its"), 1);
    assert_has(out, "for this board cannot open this partition; fix: the same as for "
                    "mcuboot_secondary\n");
    /* a FAILED layout's strategy table does not say "yes" */
    assert_int_equal(cli("check " L("nrf5340-spi-nor-2mb.broken-secondary-half") " --board "
                         B("nrf5340-spi-nor-2mb")), 1);
    assert_has(out, "  swap                       if fixed  0x72000 (456 KiB)");
    assert_has(out, "  overwrite                  if fixed  0x72000 (456 KiB)");
    assert_has(out, "(\"if fixed\": the layout has errors; these figures hold once the errors "
                    "above are fixed)\n");
    assert_null(strstr(out, " yes "));
    write_file(OUT "/b.board.yml",
               "flash_primary: {kind: internal, size: 0x100000, erase-size: 0x1000, write-size: 4}\n"
               "external_flash: {kind: spi-nor, bus: spi4, chosen: nordic_pm_ext_flash,"
               " size: 0x200000, erase-size: 0x1000, write-size: 1}\n");
#define SEC "mcuboot_secondary: {address: 0x0, size: 0x74000, region: external_flash," \
            " device: DT_CHOSEN(nordic_pm_ext_flash)}\n"
    /* two containers spanning each other over the same range */
    write_file(OUT "/cycle.yml", "mcuboot: {address: 0x0, size: 0xc000}\n"
                                 "a: {address: 0xc000, size: 0x74000, span: [mcuboot_primary]}\n"
                                 "mcuboot_primary: {address: 0xc000, size: 0x74000, span: [a]}\n" SEC);
    assert_int_equal(cli("check " OUT "/cycle.yml --board " OUT "/b.board.yml"), 1);
    assert_int_equal(count_of(out, "error   [span-cover]"), 2);
    assert_has(out, "error   [span-cover] a spans mcuboot_primary, which itself spans a: two "
                    "containers cannot contain\n      each other, and no partition holds the "
                    "range [0xc000-0x80000)");
    assert_has(out, "FAILED: 2 errors");
    /* a bootloader partition of size 0 */
    write_file(OUT "/zero.yml", "mcuboot: {address: 0x0, size: 0x0}\n"
                                "mcuboot_primary: {address: 0xc000, size: 0x74000}\n" SEC);
    assert_int_equal(cli("check " OUT "/zero.yml --board " OUT "/b.board.yml"), 1);
    assert_has(out, "error   [missing-partition] mcuboot at 0x0 has size 0: it is the bootloader "
                    "partition (at 0x0 of\n      internal flash) and needs room");
    assert_has(out, "FAILED: 1 error,");
    /* a partition past the device: the free row stops at the device's end */
    write_file(OUT "/past.yml", "mcuboot: {address: 0x0, size: 0xc000}\n"
                                "mcuboot_primary: {address: 0xc000, size: 0x74000}\n"
                                "settings: {address: 0x200000, size: 0x1000}\n" SEC);
    assert_int_equal(cli("check " OUT "/past.yml --board " OUT "/b.board.yml"), 1);
    assert_has(out, "      (free)               flash_primary   0x80000    0x100000   0x80000 (512 KiB)"
                    "    free\n    5 settings ");
    assert_has(out, "[beyond-device] settings");
#undef SEC
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_exit_codes),     cmocka_unit_test(strategy_option),
        cmocka_unit_test(unreadable_input_is_2), cmocka_unit_test(usage_errors_are_2),
        cmocka_unit_test(header_is_byte_identical), cmocka_unit_test(draw_svg),
        cmocka_unit_test(new_user_mends),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
