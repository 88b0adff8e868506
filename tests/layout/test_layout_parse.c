/*
 * The pm_static.yml and board-file readers: what they accept (hex/decimal,
 * anchors and aliases, ignored keys) and clear errors for bad input (not
 * YAML, missing keys, negative/huge numbers, self-referencing aliases, alias
 * bombs, deep nesting, a 10 MB file), never a crash.
 */
#include "lt_util.h"

static struct fk_layout lay;
static struct fk_board brd;
static char err[768];

static int lo(const char *text)
{
    memset(err, 0, sizeof err);
    return fk_layout_load_mem("t.yml", text, strlen(text), &lay, err, sizeof err);
}

static int bo(const char *text)
{
    memset(err, 0, sizeof err);
    return fk_board_load_mem("b.yml", text, strlen(text), &brd, err, sizeof err);
}

/* an error must name the file and a line:col */
static void expect_err(int rc, int code, const char *where, const char *what)
{
    if (rc != code) {
        print_error("rc %d (want %d): %s\n", rc, code, err);
    }
    assert_int_equal(rc, code);
    assert_has(err, where);
    if (what) {
        assert_has(err, what);
    }
}

static void accepts_pm_format(void **state)
{
    (void)state;
    /* decimal and hex, anchors/aliases, scalar span, ignored keys, no region */
    int rc = lo("# comment\n"
                "a:\n  address: 4096\n  size: 0x1000\n  end_address: 0x2000\n"
                "  placement: {before: [b], align: {start: 0x1000}}\n  inside: [x]\n"
                "  region: flash_primary\n"
                "b:\n  address: 0X2000\n  size: 8192\n  share_size: a\n"
                "c:\n  address: 0x1000\n  size: 0x3000\n  orig_span: &id1\n  - a\n  - b\n"
                "  span: *id1\n  device: DT_CHOSEN(nordic_pm_ext_flash)\n  region: external_flash\n"
                "d:\n  address: 0x1000\n  size: 0x1000\n  span: a\n");
    if (rc) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(lay.count, 4);
    assert_int_equal(lay.part[0].address, 0x1000);
    assert_int_equal(lay.part[0].size, 0x1000);
    assert_true(lay.part[0].has_end);
    assert_int_equal(lay.part[0].end_address, 0x2000);
    assert_int_equal(lay.part[0].line, 2);
    assert_int_equal(lay.part[1].address, 0x2000);
    assert_int_equal(lay.part[1].size, 8192);
    assert_string_equal(lay.part[1].region, "flash_primary"); /* default */
    assert_int_equal(lay.part[1].share_count, 1);
    assert_string_equal(lay.part[1].share_size[0], "a");
    assert_int_equal(lay.part[2].span_count, 2); /* through the alias */
    assert_string_equal(lay.part[2].span[1], "b");
    assert_string_equal(lay.part[2].device, "DT_CHOSEN(nordic_pm_ext_flash)");
    assert_string_equal(lay.part[2].region, "external_flash");
    assert_int_equal(lay.part[3].span_count, 1);
    assert_int_equal(fk_layout_find(&lay, "c"), 2);
    assert_int_equal(fk_layout_find(&lay, "zz"), -1);
}

static void not_yaml(void **state)
{
    (void)state;
    expect_err(lo("a: [1, 2\nb: }\n"), FK_ELAYOUT_SYNTAX, "t.yml:", "not valid YAML");
    expect_err(lo(""), FK_ELAYOUT_SYNTAX, "t.yml:1:1", "empty");
    expect_err(lo("- just\n- a list\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:1", "is this a pm_static.yml");
    expect_err(lo("plain text\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:1", "found a scalar");
    expect_err(lo("a: 5\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:4", "partition 'a'");
    char bin[16] = "a:\n  x\0yz";
    assert_int_equal(fk_layout_load_mem("bin", bin, 10, &lay, err, sizeof err), FK_ELAYOUT_SYNTAX);
    assert_has(err, "NUL");
    expect_err(lo("a: {address: 0, size: 1}\n---\nb: {address: 0, size: 1}\n"), FK_ELAYOUT_SYNTAX,
               "t.yml:2:1", "second YAML document");
}

static void missing_and_wrong_keys(void **state)
{
    (void)state;
    expect_err(lo("app:\n  address: 0x0\n  region: flash_primary\n"), FK_ELAYOUT_SYNTAX,
               "t.yml:1:1", "partition 'app': missing key 'size'");
    expect_err(lo("app:\n  size: 0x10\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:1", "missing key 'address'");
    expect_err(lo("app:\n  address: 0\n  size: 1\n  adress: 4\n"), FK_ELAYOUT_SYNTAX, "t.yml:4:3",
               "unknown key 'adress'");
    expect_err(lo("app:\n  address: 0\n  size: 1\n  size: 2\n"), FK_ELAYOUT_SYNTAX, "t.yml:4:3",
               "key 'size' appears twice");
    expect_err(lo("app: {address: 0, size: 1}\napp: {address: 0, size: 1}\n"), FK_ELAYOUT_SYNTAX,
               "t.yml:2:1", "'app' is defined twice");
    /* mapping shape, shared by the layout and board loaders (ymap_keys) */
    expect_err(lo("app: 5\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:6",
               "partition 'app': expected a mapping of keys (address, size, ...), found");
    expect_err(lo("app:\n  [a]: 1\n"), FK_ELAYOUT_SYNTAX, "t.yml:2:3",
               "partition 'app': a key must be a name");
    expect_err(bo("flash_primary: [1]\n"), FK_ELAYOUT_SYNTAX, "b.yml:1:16",
               "device 'flash_primary': expected a mapping (kind, size, erase-size, ...), found");
    expect_err(bo("flash_primary:\n  {a: 1}: 2\n"), FK_ELAYOUT_SYNTAX, "b.yml:2:3",
               "device 'flash_primary': a key must be a name");
    expect_err(bo("flash_primary:\n  kind: internal\n  size: 0x1000\n  kind: internal\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:4:3",
               "device 'flash_primary': key 'kind' appears twice (first at line 2)");
    expect_err(lo("app: {address: 0, size: 1, span: {a: b}}\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:34",
               "expected a list of partition names");
    expect_err(lo("app: {address: 0, size: 1, span: []}\n"), FK_ELAYOUT_SYNTAX, "t.yml:", "empty list");
    expect_err(lo("app-x: {address: 0, size: 1}\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:1", "contains '-'");
    expect_err(lo("app: {address: [1], size: 1}\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:16",
               "key 'address': expected a number, found a list");
}

static void bad_numbers(void **state)
{
    (void)state;
    expect_err(lo("app:\n  address: -0x10\n  size: 1\n"), FK_ELAYOUT_SYNTAX, "t.yml:2:12",
               "partition 'app', key 'address': '-0x10' is negative");
    expect_err(lo("app:\n  address: 0\n  size: 0x100000000\n"), FK_ELAYOUT_SYNTAX, "t.yml:3:9",
               "larger than 0xffffffff");
    expect_err(lo("app:\n  address: 0\n  size: 99999999999999999999999999999999\n"),
               FK_ELAYOUT_SYNTAX, "t.yml:3:9", "larger than 0xffffffff");
    expect_err(lo("app:\n  address: 0x\n  size: 1\n"), FK_ELAYOUT_SYNTAX, "t.yml:2:12",
               "is not a number");
    expect_err(lo("app:\n  address: 12k\n  size: 1\n"), FK_ELAYOUT_SYNTAX, "t.yml:2:12",
               "is not a number");
    expect_err(lo("app:\n  address: 1.5\n  size: 1\n"), FK_ELAYOUT_SYNTAX, "t.yml:2:12",
               "is not a number");
    /* the largest value is fine */
    assert_int_equal(lo("app: {address: 0xffffffff, size: 0}\n"), 0);
    assert_int_equal(lay.part[0].address, 0xffffffffu);
}

static void alias_attacks(void **state)
{
    (void)state;
    /* an alias inside the node its anchor names */
    expect_err(lo("app:\n  address: 0\n  size: 1\n  span: &a [x, *a]\n"), FK_ELAYOUT_SYNTAX,
               "t.yml:4:", "self-referencing alias");
    expect_err(lo("app: &a {address: 0, size: 1, inside: *a}\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:",
               "self-referencing alias");
    /* an alias to nothing */
    expect_err(lo("app: {address: 0, size: 1, span: *nope}\n"), FK_ELAYOUT_SYNTAX, "t.yml:1:",
               "refers to no anchor");
    /* billion laughs: 9 levels of 10 aliases each would expand to 10^9 nodes */
    char bomb[4096];
    size_t o = (size_t)snprintf(bomb, sizeof bomb, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i <= 9; i++) {
        o += (size_t)snprintf(bomb + o, sizeof bomb - o, "l%d: &l%d [", i, i);
        for (int k = 0; k < 10; k++) {
            o += (size_t)snprintf(bomb + o, sizeof bomb - o, "*l%d%s", i - 1, k < 9 ? ", " : "]\n");
        }
    }
    snprintf(bomb + o, sizeof bomb - o, "app: {address: 0, size: 1, span: *l9}\n");
    expect_err(lo(bomb), FK_ELAYOUT_LIMIT, "t.yml:", "alias bomb");
    /* a small legitimate alias tree is fine until used where a name belongs */
    expect_err(lo("x: &x [a, b]\napp: {address: 0, size: 1, span: [*x]}\n"), FK_ELAYOUT_SYNTAX,
               "t.yml:1:4", "partition 'x'");
}

static void limits(void **state)
{
    (void)state;
    /* deep nesting */
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "a: ");
    for (int i = 0; i < 100; i++) {
        deep[n++] = '[';
    }
    deep[n] = '\0';
    expect_err(lo(deep), FK_ELAYOUT_LIMIT, "t.yml:1:", "nesting deeper than");
    /* too many partitions */
    char *many = malloc(80 * 40);
    assert_non_null(many);
    size_t o = 0;
    for (int i = 0; i < 70; i++) {
        o += (size_t)sprintf(many + o, "p%d: {address: %d, size: 1}\n", i, i);
    }
    expect_err(lo(many), FK_ELAYOUT_LIMIT, "t.yml:1:1", "at most 64");
    free(many);
    /* name too long */
    char longname[200];
    memset(longname, 'a', 100);
    strcpy(longname + 100, ": {address: 0, size: 1}\n");
    expect_err(lo(longname), FK_ELAYOUT_LIMIT, "t.yml:1:1", "longer than 47");
    /* span too long */
    expect_err(lo("app: {address: 0, size: 1, span: [a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q]}\n"),
               FK_ELAYOUT_LIMIT, "t.yml:1:", "at most 16");
    /* over the size bound in memory too */
    size_t big = FK_LAYOUT_MAX_FILE + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, '#', big);
    assert_int_equal(fk_layout_load_mem("huge", huge, big, &lay, err, sizeof err), FK_ELAYOUT_LIMIT);
    assert_has(err, "huge:1:1");
    free(huge);
}

static void ten_megabyte_file(void **state)
{
    (void)state;
    const char *path = FOTAKIT_BINARY_DIR "/tests/layout/ten-mb.pm_static.yml";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* valid YAML all the way: 10 MB of partitions */
    for (unsigned i = 0; ftell(f) < 10L * 1024 * 1024; i++) {
        fprintf(f, "p%u:\n  address: 0x%x\n  size: 0x1000\n  region: flash_primary\n", i, i * 0x1000);
    }
    assert_int_equal(fclose(f), 0);
    assert_int_equal(fk_layout_load(path, &lay, err, sizeof err), FK_ELAYOUT_LIMIT);
    assert_has(err, path);
    assert_has(err, "larger than 1048576 bytes");
    assert_int_equal(fk_board_load(path, &brd, err, sizeof err), FK_ELAYOUT_LIMIT);
    remove(path);
    /* and a file that does not exist */
    assert_int_equal(fk_layout_load("/nonexistent/x.yml", &lay, err, sizeof err), FK_EIO);
    assert_has(err, "/nonexistent/x.yml: cannot open");
}

static void board_files(void **state)
{
    (void)state;
    int rc = bo("flash_primary:\n  kind: internal\n  size: 0x100000\n  erase-size: 4096\n"
                "  write-size: 4\n  erase-ms: 87.5\n  write-us-per-word: 43\n"
                "ext:\n  kind: qspi-nor\n  bus: qspi\n  label: mx25\n  size: 0x800000\n"
                "  erase-size: 0x1000\n  write-size: 1\n  jedec-id: [0xc2, 0x28, 0x17]\n"
                "  sector-erase-ms: 40\n  page-program-ms: 0.85\n  spi-hz: 32000000\n");
    if (rc) {
        print_error("%s\n", err);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(brd.count, 2);
    assert_int_equal(brd.dev[0].kind, FK_KIND_INTERNAL);
    assert_int_equal(brd.dev[0].page_size, 0);
    assert_true(brd.dev[0].erase_ms == 87.5);
    assert_int_equal(brd.dev[1].kind, FK_KIND_QSPI_NOR);
    assert_int_equal(brd.dev[1].page_size, 256); /* NOR default */
    assert_true(brd.dev[1].has_jedec_id);
    assert_int_equal(brd.dev[1].jedec_id[2], 0x17);
    assert_string_equal(brd.dev[1].label, "mx25");
    assert_int_equal(brd.dev[1].spi_hz, 32000000);
    assert_true(brd.dev[1].page_program_ms == 0.85);
    assert_int_equal(fk_board_find(&brd, "ext"), 1);

    expect_err(bo("f:\n  kind: internal\n  size: 0x1000\n  write-size: 4\n"), FK_ELAYOUT_SYNTAX,
               "b.yml:1:1", "device 'f': missing key 'erase-size'");
    expect_err(bo("f:\n  kind: eeprom\n"), FK_ELAYOUT_SYNTAX, "b.yml:2:9", "not a kind");
    expect_err(bo("f: {kind: internal, size: 0x3000, erase-size: 0x1800, write-size: 4}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:1", "not a power of two");
    expect_err(bo("f: {kind: internal, size: 0x3800, erase-size: 0x1000, write-size: 4}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:1", "not a non-zero multiple");
    expect_err(bo("f: {kind: internal, size: 0x1000, erase-size: 0x1000, write-size: 3}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:1", "write-size 3");
    expect_err(bo("f: {kind: spi-nor, size: 0x1000, erase-size: 0x1000, write-size: 1, jedec-id: [1, 2]}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "list of 3 bytes");
    expect_err(bo("f: {kind: spi-nor, size: 0x1000, erase-size: 0x1000, write-size: 1, jedec-id: [1, 2, 0x100]}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "entry 3 is not a byte");
    expect_err(bo("f: {kind: internal, size: 0x1000, erase-size: 0x1000, write-size: 4, erase_size: 1}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "unknown key 'erase_size'");
    expect_err(bo("f: {kind: internal, size: 0x1000, erase-size: 0x1000, write-size: 4, erase-ms: -3}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "non-negative number");
    expect_err(bo("f: {kind: internal, size: 0x1000, erase-size: 0x1000, write-size: 4, erase-ms: nan}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "non-negative number");
    expect_err(bo("f: {kind: internal, size: -1, erase-size: 0x1000, write-size: 4}\n"),
               FK_ELAYOUT_SYNTAX, "b.yml:1:", "negative");
    expect_err(bo("[1, 2]\n"), FK_ELAYOUT_SYNTAX, "b.yml:1:1", "mapping of region names");
    expect_err(bo("f: &a {kind: internal, x: *a}\n"), FK_ELAYOUT_SYNTAX, "b.yml:1:", "self-referencing");
    char many[2048];
    size_t o = 0;
    for (int i = 0; i < 9; i++) {
        o += (size_t)snprintf(many + o, sizeof many - o,
                              "d%d: {kind: internal, size: 0x1000, erase-size: 0x1000, write-size: 4}\n", i);
    }
    expect_err(bo(many), FK_ELAYOUT_LIMIT, "b.yml:1:1", "at most 8");
}

/* Random bytes and truncations of a real layout: errors or success, never a
 * crash (the test runs under ASan in the asan preset). */
static void fuzz_smoke(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%snrf5340-spi-nor-2mb.pm_static.yml", LT_SHARED);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char base[4096];
    size_t n = fread(base, 1, sizeof base, f);
    fclose(f);
    assert_true(n > 100);
    /* The mutations are a fixed sequence: the tallies of each outcome are
     * exact (a parser change that moves one input shows up here). */
    unsigned ok = 0, bad = 0, syntax = 0, limit = 0;
    uint32_t x = 12345;
    struct fk_board *seed_board = lt_board("nrf5340-spi-nor-2mb.board.yml");
    struct fk_layout_report *rep = calloc(1, sizeof *rep);
    FILE *devnull = fopen("/dev/null", "w");
    assert_non_null(rep);
    assert_non_null(devnull);
    char buf[4096];
    for (int it = 0; it < 3000; it++) {
        size_t len = n;
        memcpy(buf, base, n);
        if (it % 3 == 0) {
            len = (size_t)(it * 7919u % n); /* truncation */
        } else {
            for (int k = 0; k < 1 + it % 5; k++) { /* byte flips */
                x = x * 1103515245u + 12345u;
                size_t pos = (x >> 8) % n;
                x = x * 1103515245u + 12345u;
                buf[pos] = (char)(x >> 16);
            }
        }
        int rc = fk_layout_load_mem("fz", buf, len, &lay, err, sizeof err);
        if (rc == 0) {
            ok++;
            /* whatever loads, the checker, header and picture survive */
            fk_layout_check(&lay, seed_board, "seed", it % 3 - 1, rep);
            int hr = fk_layout_write_header(devnull, &lay, seed_board, "a", "b");
            assert_int_equal(hr, FK_OK); /* (FK_EINVAL if names collided in upper case: none do) */
            assert_int_equal(fk_layout_write_svg(devnull, &lay, seed_board, "b", rep), FK_OK);
        } else {
            bad++;
            syntax += rc == FK_ELAYOUT_SYNTAX;
            limit += rc == FK_ELAYOUT_LIMIT;
            assert_has(err, "fz:");
        }
    }
    assert_int_equal(ok, 107);
    assert_int_equal(syntax, 2893);
    assert_int_equal(limit, 0);
    assert_int_equal(syntax + limit, bad);
    fclose(devnull);
    free(rep);
    free(seed_board);

    /* the same for a board file */
    snprintf(path, sizeof path, "%snrf5340-spi-nor-2mb.board.yml", LT_SHARED);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(base, 1, sizeof base, f);
    fclose(f);
    ok = bad = syntax = limit = 0;
    for (int it = 0; it < 3000; it++) {
        size_t len = n;
        memcpy(buf, base, n);
        if (it % 3 == 0) {
            len = (size_t)(it * 7919u % n);
        } else {
            for (int k = 0; k < 1 + it % 5; k++) {
                x = x * 1103515245u + 12345u;
                size_t pos = (x >> 8) % n;
                x = x * 1103515245u + 12345u;
                buf[pos] = (char)(x >> 16);
            }
        }
        int rc = fk_board_load_mem("fb", buf, len, &brd, err, sizeof err);
        if (rc == 0) {
            ok++;
        } else {
            bad++;
            syntax += rc == FK_ELAYOUT_SYNTAX;
            limit += rc == FK_ELAYOUT_LIMIT;
            assert_has(err, "fb:");
        }
    }
    assert_int_equal(ok, 298);
    assert_int_equal(syntax, 2700);
    assert_int_equal(limit, 2);
    assert_int_equal(syntax + limit, bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_pm_format),   cmocka_unit_test(not_yaml),
        cmocka_unit_test(missing_and_wrong_keys), cmocka_unit_test(bad_numbers),
        cmocka_unit_test(alias_attacks),       cmocka_unit_test(limits),
        cmocka_unit_test(ten_megabyte_file),   cmocka_unit_test(board_files),
        cmocka_unit_test(fuzz_smoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
