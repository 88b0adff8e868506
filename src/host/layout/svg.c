/*
 * fotakit layout draw: an SVG map, one column per flash device. Partitions
 * are boxes to scale; boxes too small for text get a callout label on the
 * right; span containers are brackets; gaps are "free"; partitions named by
 * check errors are outlined in red, overlaps filled red, and the error
 * messages listed under the map. Deterministic output.
 */
#include <stdio.h>
#include <string.h>

#include "layout_priv.h"

#define COLW 600      /* column width per device */
#define MAPH 760.0    /* pixels for a whole device */
#define TOP 120.0     /* y of the top of the maps */
#define BOX_X 104.0   /* box left, relative to the column */
#define BOX_W 176.0
#define BR_X (BOX_X + BOX_W + 8.0) /* first container bracket */
#define LABEL_X (BOX_X + BOX_W + 48.0)
#define LINE 13.0     /* label spacing */
#define MAX_COLS (FK_BOARD_MAX_DEVS + 4)

static const char *role_fill[FK_ROLE_COUNT] = {
    [FK_ROLE_BOOTLOADER] = "#9b7fd1", [FK_ROLE_PRIMARY] = "#6fa8dc",
    [FK_ROLE_SECONDARY] = "#7fc97f",  [FK_ROLE_SCRATCH] = "#f6b26b",
    [FK_ROLE_COUNTERS] = "#e6c94c",   [FK_ROLE_SETTINGS] = "#76c7c0",
    [FK_ROLE_OTHER] = "#c8c8c8",      [FK_ROLE_PRIMARY_1] = "#9fc5e8",
    [FK_ROLE_SECONDARY_1] = "#b6d7a8",
};

static void esc(FILE *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", o);
            break;
        case '<':
            fputs("&lt;", o);
            break;
        case '>':
            fputs("&gt;", o);
            break;
        case '"':
            fputs("&quot;", o);
            break;
        default:
            fputc(*s, o);
        }
    }
}

struct col {
    const char *region; /* region name */
    int dev;            /* board device, -1: region the board lacks */
    uint64_t size;      /* bytes the column represents */
};

struct label {
    double want, y;      /* anchor y and placed y */
    double ax;           /* anchor x (relative) */
    char text[160];
    int red;
};

static int has_error(const struct fk_layout_report *r, const char *name)
{
    if (r == NULL) {
        return 0;
    }
    for (unsigned i = 0; i < r->count; i++) {
        if (r->f[i].sev == FK_LAYOUT_ERROR &&
            (!strcmp(r->f[i].part, name) || !strcmp(r->f[i].part2, name))) {
            return 1;
        }
    }
    return 0;
}

static double ypos(const struct col *c, uint64_t addr)
{
    return TOP + MAPH * (double)addr / (double)c->size;
}

/* Place labels top-down at least LINE apart, then pull back up if they run
 * past the bottom of the map. */
static void place(struct label *lb, unsigned n)
{
    for (unsigned i = 1; i < n; i++) { /* sort by wanted y */
        for (unsigned k = i; k > 0 && lb[k].want < lb[k - 1].want; k--) {
            struct label t = lb[k];
            lb[k] = lb[k - 1];
            lb[k - 1] = t;
        }
    }
    double prev = -1e9;
    for (unsigned i = 0; i < n; i++) {
        lb[i].y = lb[i].want < prev + LINE ? prev + LINE : lb[i].want;
        prev = lb[i].y;
    }
    double limit = TOP + MAPH + 20.0;
    for (unsigned i = n; i-- > 0;) {
        if (lb[i].y > limit) {
            lb[i].y = limit;
        }
        limit = lb[i].y - LINE;
    }
}

static void fmt_kib(char *buf, size_t len, uint64_t v)
{
    if (v >= 1024 * 1024 && v % (1024 * 1024) == 0) {
        snprintf(buf, len, "%llu MiB", (unsigned long long)(v >> 20));
    } else if (v % 1024 == 0) {
        snprintf(buf, len, "%llu KiB", (unsigned long long)(v >> 10));
    } else {
        snprintf(buf, len, "%.1f KiB", (double)v / 1024.0);
    }
}

static void draw_col(FILE *o, const struct fk_layout *l, const struct fk_board *b,
                     const struct fk_layout_report *r, const struct col *c, double x0)
{
    char kib[32];
    int idx[FK_LAYOUT_MAX_PARTS];
    fk_layout_sorted(l, b, idx);

    /* title */
    fprintf(o, "<g transform=\"translate(%.0f,0)\">\n", x0);
    if (c->dev >= 0) {
        const struct fk_board_dev *d = &b->dev[c->dev];
        fmt_kib(kib, sizeof kib, d->size);
        fprintf(o, "<text x=\"%.0f\" y=\"80\" class=\"h\">", BOX_X);
        esc(o, d->name);
        fprintf(o, "</text>\n<text x=\"%.0f\" y=\"96\" class=\"s\">%s%s%s, %s (0x%x), "
                   "erase 0x%x, write %u</text>\n",
                BOX_X, fk_board_kind_name(d->kind), d->bus[0] ? " on " : "", d->bus, kib,
                d->size, d->erase_size, d->write_size);
    } else {
        fprintf(o, "<text x=\"%.0f\" y=\"80\" class=\"h err\">region ", BOX_X);
        esc(o, c->region);
        fprintf(o, ": NOT ON THIS BOARD</text>\n<text x=\"%.0f\" y=\"96\" class=\"s err\">"
                   "images cannot open these areas (-19); drawn to the layout's extent</text>\n",
                BOX_X);
    }
    fmt_kib(kib, sizeof kib, c->size / 76 ? c->size / 76 : 1);
    fprintf(o, "<text x=\"%.0f\" y=\"110\" class=\"s\">scale: 10 px = %s</text>\n", BOX_X, kib);
    /* device outline */
    fprintf(o, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" height=\"%.1f\" class=\"%s\"/>\n",
            BOX_X, TOP, BOX_W, MAPH, c->dev >= 0 ? "dev" : "dev missing");

    struct label lb[2 * FK_LAYOUT_MAX_PARTS + 8];
    unsigned nl = 0;
    double last_addr_y = -1e9;
    uint64_t covered = 0;

    /* free gaps + leaves */
    for (unsigned pass = 0; pass <= l->count; pass++) {
        const struct fk_layout_part *p = pass < l->count ? &l->part[idx[pass]] : NULL;
        if (p != NULL && (strcmp(p->region, c->region) != 0 || p->span_count)) {
            continue;
        }
        uint64_t start = p ? p->address : c->size;
        if (start > covered) { /* a gap: free */
            double y0 = ypos(c, covered), y1 = ypos(c, start);
            fprintf(o, "<rect x=\"%.0f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" class=\"free\"/>\n",
                    BOX_X, y0, BOX_W, y1 - y0);
            fmt_kib(kib, sizeof kib, start - covered);
            if (y1 - y0 >= 16) {
                fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"in fr\">free, %s</text>\n",
                        BOX_X + BOX_W / 2, (y0 + y1) / 2 + 4, kib);
            } else if (nl < sizeof lb / sizeof lb[0]) {
                lb[nl].want = (y0 + y1) / 2;
                lb[nl].ax = BOX_X + BOX_W;
                lb[nl].red = 0;
                snprintf(lb[nl].text, sizeof lb[nl].text, "free 0x%llx-0x%llx, %s",
                         (unsigned long long)covered, (unsigned long long)start, kib);
                nl++;
            }
            if (y0 - last_addr_y >= 11) {
                fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"a\">0x%llx</text>\n", BOX_X - 6,
                        y0 + 4, (unsigned long long)covered);
                last_addr_y = y0;
            }
        }
        if (p == NULL) {
            break;
        }
        uint64_t end = (uint64_t)p->address + p->size;
        double y0 = ypos(c, p->address), y1 = ypos(c, end);
        double h = y1 - y0 < 2.0 ? 2.0 : y1 - y0;
        unsigned pi = (unsigned)idx[pass];
        int red = has_error(r, p->name);
        enum fk_layout_role role = fk_layout_part_role(l, pi);
        fprintf(o, "<rect x=\"%.0f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" fill=\"%s\" "
                   "class=\"part%s\"><title>",
                BOX_X, y0, BOX_W, h, role_fill[role], red ? " bad" : "");
        esc(o, p->name);
        fprintf(o, " [0x%x-0x%llx) 0x%x bytes</title></rect>\n", p->address,
                (unsigned long long)end, p->size);
        fmt_kib(kib, sizeof kib, p->size);
        if (h >= 28) {
            fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"in b%s\">", BOX_X + BOX_W / 2,
                    (y0 + y1) / 2 - 2, red ? " err" : "");
            esc(o, p->name);
            fprintf(o, "</text>\n<text x=\"%.0f\" y=\"%.1f\" class=\"in\">0x%x (%s)</text>\n",
                    BOX_X + BOX_W / 2, (y0 + y1) / 2 + 11, p->size, kib);
        } else if (h >= 14) {
            fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"in b%s\">", BOX_X + BOX_W / 2,
                    (y0 + y1) / 2 + 4, red ? " err" : "");
            esc(o, p->name);
            fprintf(o, " %s</text>\n", kib);
        } else if (nl < sizeof lb / sizeof lb[0]) {
            lb[nl].want = y0 + h / 2;
            lb[nl].ax = BOX_X + BOX_W;
            lb[nl].red = red;
            snprintf(lb[nl].text, sizeof lb[nl].text, "%s 0x%x-0x%llx, 0x%x (%s)", p->name,
                     p->address, (unsigned long long)end, p->size, kib);
            nl++;
        }
        if (y0 - last_addr_y >= 11 || red) {
            /* a problem partition always shows its start, nudged below the previous */
            double ay = y0 - last_addr_y >= 11 ? y0 : last_addr_y + 11;
            fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"a%s\">0x%x</text>\n", BOX_X - 6,
                    ay + 4, red ? " err" : "", p->address);
            last_addr_y = ay;
        }
        if (end > covered) {
            covered = end;
        }
    }
    /* end address of the device */
    fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"a\">0x%llx</text>\n", BOX_X - 6,
            TOP + MAPH + 4, (unsigned long long)c->size);

    /* span containers as brackets, nested ones further right */
    unsigned level = 0;
    for (unsigned k = 0; k < l->count; k++) {
        const struct fk_layout_part *p = &l->part[idx[k]];
        if (!p->span_count || strcmp(p->region, c->region) != 0) {
            continue;
        }
        double y0 = ypos(c, p->address), y1 = ypos(c, (uint64_t)p->address + p->size);
        double bx = BR_X + 9.0 * level;
        int red = has_error(r, p->name);
        fprintf(o, "<path d=\"M%.0f %.2f h6 V%.2f h-6\" class=\"br%s\"/>\n", bx, y0 + 0.5,
                y1 - 0.5, red ? " err" : "");
        if (nl < sizeof lb / sizeof lb[0]) {
            lb[nl].want = (y0 + y1) / 2;
            lb[nl].ax = bx + 6;
            lb[nl].red = red;
            fmt_kib(kib, sizeof kib, p->size);
            snprintf(lb[nl].text, sizeof lb[nl].text, "[%s] 0x%x (%s)", p->name, p->size, kib);
            nl++;
        }
        level = (level + 1) % 3;
    }

    /* the bootloader's reserved units inside the slots (fk_layout_geometry):
     * primary trailer, secondary spare unit and trailer, as dashed bands */
    struct fk_layout_geometry g;
    if (fk_layout_geometry(l, b, &g, NULL, 0) == FK_OK) {
        for (int k = 0; k < 2; k++) {
            int pi = fk_layout_find(l, k ? "mcuboot_secondary" : "mcuboot_primary");
            if (pi < 0 || strcmp(l->part[pi].region, c->region) != 0) {
                continue;
            }
            const struct fk_layout_part *p = &l->part[pi];
            uint64_t end = (uint64_t)p->address + p->size;
            struct {
                uint64_t lo, hi;
                const char *what;
            } band[2] = {
                {end - (uint64_t)(k ? g.sec_trailer_units : g.pri_trailer_units) * g.unit, end,
                 "trailer"},
                {p->address, (uint64_t)p->address + g.sec_image_off, "spare unit"},
            };
            for (int j = 0; j < (k ? 2 : 1); j++) {
                double y0 = ypos(c, band[j].lo), y1 = ypos(c, band[j].hi);
                double h = y1 - y0 < 1.5 ? 1.5 : y1 - y0;
                fprintf(o, "<rect x=\"%.0f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" "
                           "class=\"rsv\"/>\n",
                        BOX_X + 1, y0, BOX_W - 2, h);
                if (nl < sizeof lb / sizeof lb[0]) {
                    lb[nl].want = y0 + h / 2;
                    lb[nl].ax = BOX_X + BOX_W;
                    lb[nl].red = 0;
                    snprintf(lb[nl].text, sizeof lb[nl].text, "%s %s 0x%llx-0x%llx%s",
                             k ? "secondary" : "primary", band[j].what,
                             (unsigned long long)band[j].lo, (unsigned long long)band[j].hi,
                             j ? " (uploads start after it)" : "");
                    nl++;
                }
            }
        }
    }

    /* problems too small to see at this scale get a red callout */
    for (unsigned i = 0; r != NULL && i < r->count && nl < sizeof lb / sizeof lb[0]; i++) {
        const struct fk_layout_finding *f = &r->f[i];
        int a = fk_layout_find(l, f->part);
        if (a < 0 || strcmp(l->part[a].region, c->region) != 0 || c->dev < 0) {
            continue;
        }
        const struct fk_layout_part *p = &l->part[a];
        uint64_t end = (uint64_t)p->address + p->size;
        uint32_t es = b->dev[c->dev].erase_size;
        if (f->rule == FK_RULE_ERASE_ALIGN) {
            int at_start = p->address % es != 0;
            lb[nl].want = ypos(c, at_start ? p->address : end);
            snprintf(lb[nl].text, sizeof lb[nl].text, "! %s 0x%llx, off a 0x%x erase boundary",
                     at_start ? "starts" : "ends",
                     at_start ? (unsigned long long)p->address : (unsigned long long)end, es);
        } else if (f->rule == FK_RULE_OVERLAP) {
            int z = fk_layout_find(l, f->part2);
            if (z < 0) {
                continue;
            }
            uint64_t lo = p->address > l->part[z].address ? p->address : l->part[z].address;
            uint64_t ez = (uint64_t)l->part[z].address + l->part[z].size;
            uint64_t hi = end < ez ? end : ez;
            lb[nl].want = ypos(c, lo);
            snprintf(lb[nl].text, sizeof lb[nl].text, "! overlaps %s at 0x%llx-0x%llx",
                     l->part[z].name, (unsigned long long)lo, (unsigned long long)hi);
        } else if (f->rule == FK_RULE_BEYOND_DEVICE) {
            lb[nl].want = TOP + MAPH;
            snprintf(lb[nl].text, sizeof lb[nl].text, "! ends 0x%llx, past the device end",
                     (unsigned long long)end);
        } else {
            continue;
        }
        lb[nl].ax = BOX_X + BOX_W;
        lb[nl].red = 1;
        nl++;
    }

    /* the labels placed to the right with leader lines */
    place(lb, nl);
    for (unsigned i = 0; i < nl; i++) {
        fprintf(o, "<path d=\"M%.0f %.2f L%.0f %.2f H%.0f\" class=\"lead\"/>\n", lb[i].ax,
                lb[i].want, LABEL_X - 8, lb[i].y, LABEL_X - 2);
        fprintf(o, "<text x=\"%.0f\" y=\"%.1f\" class=\"lbl%s\">", LABEL_X, lb[i].y + 4,
                lb[i].red ? " err" : "");
        esc(o, lb[i].text);
        fprintf(o, "</text>\n");
    }

    /* overlaps: the shared range in red */
    if (r != NULL) {
        for (unsigned i = 0; i < r->count; i++) {
            if (r->f[i].rule != FK_RULE_OVERLAP) {
                continue;
            }
            int a = fk_layout_find(l, r->f[i].part), z = fk_layout_find(l, r->f[i].part2);
            if (a < 0 || z < 0 || strcmp(l->part[a].region, c->region) != 0) {
                continue;
            }
            uint64_t lo = l->part[a].address > l->part[z].address ? l->part[a].address
                                                                  : l->part[z].address;
            uint64_t ea = (uint64_t)l->part[a].address + l->part[a].size;
            uint64_t ez = (uint64_t)l->part[z].address + l->part[z].size;
            uint64_t hi = ea < ez ? ea : ez;
            double y0 = ypos(c, lo), h = ypos(c, hi) - y0;
            fprintf(o, "<rect x=\"%.0f\" y=\"%.2f\" width=\"%.0f\" height=\"%.2f\" class=\"ovl\"/>\n",
                    BOX_X, y0 - (h < 3 ? 1.5 : 0), BOX_W, h < 3 ? 3.0 : h);
        }
    }
    fprintf(o, "</g>\n");
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

int fk_layout_write_svg(FILE *o, const struct fk_layout *l, const struct fk_board *b,
                        const char *board_name, const struct fk_layout_report *r)
{
    if (o == NULL || l == NULL || b == NULL) {
        return FK_EINVAL;
    }
    struct col cols[MAX_COLS];
    unsigned nc = 0;
    for (unsigned d = 0; d < b->count && nc < MAX_COLS; d++) {
        cols[nc].region = b->dev[d].name;
        cols[nc].dev = (int)d;
        cols[nc].size = b->dev[d].size;
        nc++;
    }
    /* regions the layout uses but the board lacks */
    for (unsigned i = 0; i < l->count && nc < MAX_COLS; i++) {
        const char *reg = l->part[i].region;
        int seen = 0;
        for (unsigned k = 0; k < nc; k++) {
            seen |= !strcmp(cols[k].region, reg);
        }
        if (seen) {
            continue;
        }
        uint64_t ext = 1;
        for (unsigned k = 0; k < l->count; k++) {
            uint64_t e = (uint64_t)l->part[k].address + l->part[k].size;
            if (!strcmp(l->part[k].region, reg) && e > ext) {
                ext = e;
            }
        }
        cols[nc].region = reg;
        cols[nc].dev = -1;
        cols[nc].size = ext;
        nc++;
    }

    /* messages under the map: errors and warnings, wrapped */
    char lines[FK_LAYOUT_MAX_FINDINGS * 8][124];
    int lred[FK_LAYOUT_MAX_FINDINGS * 8];
    unsigned nlines = 0;
    const unsigned maxl = sizeof lines / sizeof lines[0];
    for (unsigned i = 0; r != NULL && i < r->count; i++) {
        const struct fk_layout_finding *f = &r->f[i];
        char full[FK_LAYOUT_MSG_LEN + 64];
        snprintf(full, sizeof full, "%s [%s] %s",
                 f->sev == FK_LAYOUT_ERROR ? "error" : f->sev == FK_LAYOUT_WARNING ? "warning" : "note",
                 fk_layout_rule_name(f->rule), f->msg);
        const char *s = full;
        int first = 1;
        while (*s && nlines < maxl) {
            size_t len = strlen(s), cut = len;
            size_t width = first ? 120 : 116;
            if (len > width) {
                cut = width;
                while (cut > 0 && s[cut] != ' ') {
                    cut--;
                }
                if (cut == 0) {
                    cut = width;
                }
            }
            snprintf(lines[nlines], sizeof lines[0], "%s%.*s", first ? "" : "    ", (int)cut, s);
            lred[nlines] = f->sev == FK_LAYOUT_ERROR;
            nlines++;
            s += cut;
            while (*s == ' ') {
                s++;
            }
            first = 0;
        }
    }

    double width = 40.0 + COLW * nc + 40.0;
    if (width < 900) {
        width = 900;
    }
    double msg_y = TOP + MAPH + 56;
    double height = msg_y + 16.0 * (nlines + 3) + 20;
    fprintf(o,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
            "<style>\n"
            "text{font-size:11px;fill:#222}\n"
            ".h{font-size:15px;font-weight:bold}.s{font-size:11px;fill:#555}\n"
            ".t{font-size:17px;font-weight:bold}\n"
            ".a{text-anchor:end;font-family:DejaVu Sans Mono,monospace;font-size:10px}\n"
            ".in{text-anchor:middle}.b{font-weight:bold}.fr{fill:#777}\n"
            ".lbl{font-size:10.5px}.err{fill:#d00000}\n"
            ".dev{fill:#fff;stroke:#333;stroke-width:1}\n"
            ".missing{stroke:#d00000;stroke-width:2;stroke-dasharray:6 4}\n"
            ".part{stroke:#333;stroke-width:0.8}.bad{stroke:#d00000;stroke-width:3}\n"
            ".free{fill:url(#hatch);stroke:#999;stroke-width:0.5}\n"
            ".br{fill:none;stroke:#333;stroke-width:1.2}.br.err{stroke:#d00000}\n"
            ".lead{fill:none;stroke:#888;stroke-width:0.7}\n"
            ".ovl{fill:#d00000;fill-opacity:0.55;stroke:#d00000}\n"
            ".m{font-family:DejaVu Sans Mono,monospace;font-size:10.5px}\n"
            ".rsv{fill:#000;fill-opacity:0.12;stroke:#333;stroke-width:0.6;stroke-dasharray:3 2}\n"
            "</style>\n"
            "<defs><pattern id=\"hatch\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#fafafa\"/>"
            "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"8\" stroke=\"#ddd\" stroke-width=\"3\"/>"
            "</pattern></defs>\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            width, height, width, height);
    fprintf(o, "<text x=\"20\" y=\"24\" class=\"t\">flash map: ");
    esc(o, l->path[0] ? base(l->path) : "layout");
    if (board_name != NULL) {
        fprintf(o, " on board ");
        esc(o, base(board_name));
    }
    fprintf(o, "</text>\n");
    /* legend */
    double lx = 20;
    for (unsigned k = 0; k < FK_ROLE_COUNT; k++) {
        fprintf(o, "<rect x=\"%.0f\" y=\"40\" width=\"12\" height=\"12\" fill=\"%s\" class=\"part\"/>"
                   "<text x=\"%.0f\" y=\"50\">%s</text>\n",
                lx, role_fill[k], lx + 16, fk_layout_role_name((enum fk_layout_role)k));
        lx += 92;
    }
    fprintf(o, "<rect x=\"%.0f\" y=\"40\" width=\"12\" height=\"12\" class=\"free\"/>"
               "<text x=\"%.0f\" y=\"50\">free</text>\n",
            lx, lx + 16);
    lx += 60;
    fprintf(o, "<rect x=\"%.0f\" y=\"40\" width=\"12\" height=\"12\" fill=\"#fff\" class=\"part bad\"/>"
               "<text x=\"%.0f\" y=\"50\" class=\"err\">problem</text>\n",
            lx, lx + 16);

    for (unsigned k = 0; k < nc; k++) {
        draw_col(o, l, b, r, &cols[k], 20.0 + COLW * k);
    }
    if (r != NULL) {
        fprintf(o, "<text x=\"20\" y=\"%.0f\" class=\"h%s\">check: %u error%s, %u warning%s, "
                   "%u note%s</text>\n",
                msg_y - 8, r->errors ? " err" : "", r->errors, r->errors == 1 ? "" : "s",
                r->warnings, r->warnings == 1 ? "" : "s", r->notes, r->notes == 1 ? "" : "s");
        for (unsigned k = 0; k < FK_STRATEGY_COUNT; k++) {
            const struct fk_layout_strategy_row *row = &r->strat[k];
            fprintf(o, "<text x=\"20\" y=\"%.0f\" class=\"m\">%-26s ", msg_y + 12 + 16.0 * k,
                    row->name);
            if (row->supported) {
                char mi[48];
                fprintf(o, "largest image %s, trailer 0x%x</text>\n",
                        fk_layout_fmt_size(mi, sizeof mi, row->max_image), row->trailer);
            } else {
                fprintf(o, "not supported: ");
                esc(o, row->reason);
                fprintf(o, "</text>\n");
            }
        }
        msg_y += 16.0 * FK_STRATEGY_COUNT + 6;
        for (unsigned i = 0; i < nlines; i++) {
            fprintf(o, "<text x=\"20\" y=\"%.0f\" class=\"m%s\">", msg_y + 12 + 16.0 * i,
                    lred[i] ? " err" : "");
            esc(o, lines[i]);
            fprintf(o, "</text>\n");
        }
    }
    fprintf(o, "</svg>\n");
    return ferror(o) ? FK_EIO : FK_OK;
}
