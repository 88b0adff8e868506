/*
 * fotakit layout check|header|draw LAYOUT --board BOARD [...]
 * Exit codes: 0 clean (warnings allowed), 1 layout errors, 2 bad usage or
 * unreadable input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/layout.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit layout check  LAYOUT --board BOARD [--strategy swap|overwrite|mcuboot:MODE]\n"
            "       fotakit layout header LAYOUT --board BOARD -o fotakit_layout.h\n"
            "       fotakit layout draw   LAYOUT --board BOARD -o map.svg\n"
            "\n"
            "LAYOUT is a partition-manager static file (pm_static.yml, docs/layout-file.md),\n"
            "BOARD a board file (*.board.yml, docs/board-file.md). check lists every problem\n"
            "(docs/layout.md); header and draw also run the check and refuse to write a\n"
            "header for a layout with errors (draw marks them in red).\n"
            "exit codes: 0 clean (warnings allowed), 1 layout errors, 2 bad usage or\n"
            "unreadable input\n");
}

/* Basename for messages and the generated header (stable across build dirs). */
static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int fk_cli_layout(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    int mode = !strcmp(sub, "check") ? 0 : !strcmp(sub, "header") ? 1 : !strcmp(sub, "draw") ? 2 : -1;
    if (mode < 0) {
        fprintf(stderr, "fotakit layout: unknown subcommand '%s' (check, header, draw)\n", sub);
        return 2;
    }
    const char *layout = NULL, *board = NULL, *outp = NULL, *strat = NULL;
    int quiet = 0;
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if ((!strcmp(a, "--board") || !strcmp(a, "-b")) && i + 1 < argc) {
            board = argv[++i];
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) {
            outp = argv[++i];
        } else if (!strcmp(a, "--strategy") && i + 1 < argc) {
            strat = argv[++i];
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fotakit layout %s: unknown or incomplete option '%s'\n", sub, a);
            return 2;
        } else if (layout == NULL) {
            layout = a;
        } else {
            fprintf(stderr, "fotakit layout %s: unexpected argument '%s' (one LAYOUT only)\n",
                    sub, a);
            return 2;
        }
    }
    if (layout == NULL || board == NULL) {
        fprintf(stderr, "fotakit layout %s: need LAYOUT and --board BOARD\n", sub);
        usage(stderr);
        return 2;
    }
    if (mode != 0 && outp == NULL) {
        fprintf(stderr, "fotakit layout %s: need -o FILE\n", sub);
        return 2;
    }
    int strategy = -1;
    if (strat != NULL) {
        strategy = fk_layout_strategy_parse(strat);
        if (strategy < 0) {
            fprintf(stderr,
                    "fotakit layout: unknown strategy '%s' (swap, overwrite, or mcuboot:MODE with "
                    "MODE one of overwrite-only, swap-scratch, swap-move, swap-offset, "
                    "direct-xip, direct-xip-revert, ram-load)\n",
                    strat);
            return 2;
        }
    }

    /* Large structs: keep them off the stack. */
    struct fk_layout *l = calloc(1, sizeof *l);
    struct fk_board *b = calloc(1, sizeof *b);
    struct fk_layout_report *r = calloc(1, sizeof *r);
    int ret = 2;
    char err[768];
    if (l == NULL || b == NULL || r == NULL) {
        fprintf(stderr, "fotakit layout: out of memory\n");
        goto out;
    }
    int rc = fk_layout_load(layout, l, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "fotakit layout: cannot read the layout: %s\n", err);
        goto out;
    }
    rc = fk_board_load(board, b, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "fotakit layout: cannot read the board file: %s\n", err);
        goto out;
    }
    int errors = fk_layout_check(l, b, base(board), strategy, r);
    if (mode == 0) {
        fk_layout_print_report(stdout, l, b, base(board), r);
        ret = errors ? 1 : 0;
        goto out;
    }
    if (mode == 1 && errors) {
        fk_layout_print_report(stderr, l, b, base(board), r);
        fprintf(stderr, "fotakit layout header: %d error%s: no header written (fix the layout "
                        "first)\n", errors, errors == 1 ? "" : "s");
        ret = 1;
        goto out;
    }
    FILE *f = fopen(outp, "w");
    if (f == NULL) {
        perror(outp);
        goto out;
    }
    if (mode == 1) {
        rc = fk_layout_write_header(f, l, b, base(layout), base(board));
    } else {
        rc = fk_layout_write_svg(f, l, b, base(board), r);
    }
    if (fclose(f) != 0 || rc < 0) {
        fprintf(stderr, "fotakit layout %s: cannot write %s\n", sub, outp);
        goto out;
    }
    if (!quiet) {
        printf("%s: wrote %s (%u error%s, %u warning%s, %u note%s)\n", sub, outp, r->errors,
               r->errors == 1 ? "" : "s", r->warnings, r->warnings == 1 ? "" : "s", r->notes,
               r->notes == 1 ? "" : "s");
    }
    ret = mode == 2 && errors ? 1 : 0;
out:
    free(l);
    free(b);
    free(r);
    return ret;
}
