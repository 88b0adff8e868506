/*
 * Human report of fotakit layout check: devices, partitions (with the free
 * gaps), findings and the strategy table.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_priv.h"

static const char *sev_name(enum fk_layout_sev s)
{
    return s == FK_LAYOUT_ERROR ? "error" : s == FK_LAYOUT_WARNING ? "warning" : "note";
}

/* Print text wrapped at `width`, continuation lines indented by `indent`. */
static void wrap(FILE *out, const char *text, unsigned first_col, unsigned indent, unsigned width)
{
    unsigned col = first_col;
    const char *s = text;
    while (*s) {
        const char *w = s;
        while (*w && *w != ' ') {
            w++;
        }
        unsigned wl = (unsigned)(w - s);
        if (col > indent && col + 1 + wl > width) {
            fprintf(out, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > first_col || (col > indent && s != text)) {
            fputc(' ', out);
            col++;
        }
        fwrite(s, 1, wl, out);
        col += wl;
        s = w;
        while (*s == ' ') {
            s++;
        }
    }
    fputc('\n', out);
}

/* Order partitions: by device (board order; unknown regions last, by name),
 * address, then larger first (containers before their members). */
static int region_rank(const struct fk_board *b, const char *region)
{
    int d = fk_board_find(b, region);
    return d >= 0 ? d : FK_BOARD_MAX_DEVS;
}

static int cmp_parts(const struct fk_layout *l, const struct fk_board *b, int x, int y)
{
    const struct fk_layout_part *a = &l->part[x], *c = &l->part[y];
    int ra = region_rank(b, a->region), rc = region_rank(b, c->region);
    if (ra != rc) {
        return ra - rc;
    }
    if (ra == FK_BOARD_MAX_DEVS) {
        int s = strcmp(a->region, c->region);
        if (s) {
            return s;
        }
    }
    if (a->address != c->address) {
        return a->address < c->address ? -1 : 1;
    }
    if (a->size != c->size) {
        return a->size > c->size ? -1 : 1;
    }
    return strcmp(a->name, c->name);
}

void fk_layout_sorted(const struct fk_layout *l, const struct fk_board *b, int *idx)
{
    /* insertion sort: at most FK_LAYOUT_MAX_PARTS entries, and no global state */
    for (unsigned i = 0; i < l->count; i++) {
        idx[i] = (int)i;
        for (unsigned k = i; k > 0 && cmp_parts(l, b, idx[k], idx[k - 1]) < 0; k--) {
            int t = idx[k];
            idx[k] = idx[k - 1];
            idx[k - 1] = t;
        }
    }
}

/* A free row, clipped to the device: partitions past its end are errors of
 * their own (beyond-device) and are no free space. */
static void print_free(FILE *out, const struct fk_board *b, const char *region, uint64_t from,
                       uint64_t to)
{
    char sz[48];
    int d = fk_board_find(b, region);
    if (d >= 0 && to > b->dev[d].size) {
        to = b->dev[d].size;
    }
    if (from >= to) {
        return;
    }
    fprintf(out, "  %3s %-20s %-15s 0x%-8llx 0x%-8llx %-20s %s\n", "", "(free)", region,
            (unsigned long long)from, (unsigned long long)to,
            fk_layout_fmt_size(sz, sizeof sz, to - from), "free");
}

void fk_layout_print_report(FILE *out, const struct fk_layout *l, const struct fk_board *b,
                            const char *board_name, const struct fk_layout_report *r)
{
    char sz[48];
    fprintf(out, "layout  %s\nboard   %s\n\n", l->path, board_name ? board_name : "(board)");
    fprintf(out, "devices\n  %-15s %-9s %-20s %-7s %-5s %-6s %s\n", "name", "kind", "size",
            "erase", "write", "bus", "chosen/label");
    for (unsigned d = 0; d < b->count; d++) {
        const struct fk_board_dev *bd = &b->dev[d];
        char sel[2 * FK_BOARD_NAME_LEN + 16] = "-";
        if (bd->chosen[0] || bd->label[0]) {
            snprintf(sel, sizeof sel, "%s%s%s%s", bd->chosen[0] ? "chosen " : "", bd->chosen,
                     bd->label[0] ? (bd->chosen[0] ? ", label " : "label ") : "", bd->label);
        }
        fprintf(out, "  %-15s %-9s %-20s 0x%-5x %-5u %-6s %s\n", bd->name,
                fk_board_kind_name(bd->kind), fk_layout_fmt_size(sz, sizeof sz, bd->size),
                bd->erase_size, bd->write_size, bd->bus[0] ? bd->bus : "-", sel);
    }
    int idx[FK_LAYOUT_MAX_PARTS];
    fk_layout_sorted(l, b, idx);
    fprintf(out, "\npartitions\n  %3s %-20s %-15s %-10s %-10s %-20s %s\n", "id", "name", "region",
            "start", "end", "size", "role");
    const char *cur = NULL;
    uint64_t covered = 0;
    for (unsigned k = 0; k < l->count; k++) {
        const struct fk_layout_part *p = &l->part[idx[k]];
        if (cur == NULL || strcmp(cur, p->region) != 0) {
            if (cur != NULL) {
                int d = fk_board_find(b, cur);
                if (d >= 0) {
                    print_free(out, b, cur, covered, b->dev[d].size);
                }
            }
            cur = p->region;
            covered = 0;
        }
        uint64_t end = (uint64_t)p->address + p->size;
        if (p->span_count == 0 && p->address > covered) {
            print_free(out, b, p->region, covered, p->address);
        }
        if (p->span_count == 0 && end > covered) {
            covered = end;
        }
        int id = fk_layout_area_id(l, (unsigned)idx[k]);
        char ids[12] = "-";
        if (id >= 0) {
            snprintf(ids, sizeof ids, "%d", id);
        }
        char spans[160] = "";
        if (p->span_count) {
            size_t o = (size_t)snprintf(spans, sizeof spans, "  span:");
            for (unsigned s = 0; s < p->span_count && o < sizeof spans; s++) {
                o += (size_t)snprintf(spans + o, sizeof spans - o, " %s", p->span[s]);
            }
        }
        fprintf(out, "  %3s %-20s %-15s 0x%-8x 0x%-8llx %-20s %s%s%s\n", ids, p->name, p->region,
                p->address, (unsigned long long)end, fk_layout_fmt_size(sz, sizeof sz, p->size),
                fk_layout_role_name(fk_layout_part_role(l, (unsigned)idx[k])),
                fk_layout_part_dev(l, b, (unsigned)idx[k]) < 0 ? "  (NO DEVICE)" : "", spans);
    }
    if (cur != NULL) {
        int d = fk_board_find(b, cur);
        if (d >= 0) {
            print_free(out, b, cur, covered, b->dev[d].size);
        }
    }

    if (r->count) {
        fprintf(out, "\nproblems and notes\n");
    }
    for (unsigned i = 0; i < r->count; i++) {
        const struct fk_layout_finding *f = &r->f[i];
        char head[64];
        int n = snprintf(head, sizeof head, "  %-7s [%s] ", sev_name(f->sev),
                         fk_layout_rule_name(f->rule));
        fputs(head, out);
        wrap(out, f->msg, (unsigned)n, 6, 100);
    }
    if (r->dropped) {
        fprintf(out, "  ... %u more not shown\n", r->dropped);
    }
    fprintf(out, "\nupgrade strategies (fotakit bootloader; stock MCUboot modes)\n"
                 "  %-26s %-9s %-22s %-8s %s\n",
            "strategy", "supported", "largest image", "trailer", "how / why");
    for (unsigned s = 0; s < FK_STRATEGY_COUNT; s++) {
        const struct fk_layout_strategy_row *row = &r->strat[s];
        char mi[48] = "-";
        if (row->supported) {
            fk_layout_fmt_size(mi, sizeof mi, row->max_image);
        }
        char tr[16] = "-";
        if (row->trailer) {
            snprintf(tr, sizeof tr, "0x%x", row->trailer);
        }
        char head[96];
        int n = snprintf(head, sizeof head, "  %-26s %-9s %-22s %-8s ", row->name ? row->name : "?",
                         !row->supported ? "no" : r->errors ? "if fixed" : "yes", mi, tr);
        fputs(head, out);
        wrap(out, row->reason, (unsigned)n, 6, 110);
    }
    bool if_fixed = false;
    for (unsigned s = 0; s < FK_STRATEGY_COUNT; s++) {
        if_fixed |= r->errors && r->strat[s].supported;
    }
    if (if_fixed) {
        fprintf(out, "  (\"if fixed\": the layout has errors; these figures hold once the errors "
                     "above are fixed)\n");
    }
    fprintf(out, "\n%s: %u error%s, %u warning%s, %u note%s\n",
            r->errors ? "FAILED" : "OK", r->errors, r->errors == 1 ? "" : "s", r->warnings,
            r->warnings == 1 ? "" : "s", r->notes, r->notes == 1 ? "" : "s");
}
