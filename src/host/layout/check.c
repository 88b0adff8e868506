/*
 * fotakit layout check: every rule of docs/layout.md, all findings reported.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout_priv.h"

static const char *const rule_names[FK_RULE_COUNT] = {
    [FK_RULE_ERASE_ALIGN] = "erase-align",
    [FK_RULE_END_ADDRESS] = "end-address",
    [FK_RULE_OVERLAP] = "overlap",
    [FK_RULE_SPAN_COVER] = "span-cover",
    [FK_RULE_SPAN_MISSING] = "span-missing",
    [FK_RULE_SPAN_GAP] = "span-gap",
    [FK_RULE_BEYOND_DEVICE] = "beyond-device",
    [FK_RULE_REGION_OVERFLOW] = "region-overflow",
    [FK_RULE_NO_DEVICE] = "no-device",
    [FK_RULE_BOOTLOADER_START] = "bootloader-start",
    [FK_RULE_SLOT_SIZE] = "slot-size",
    [FK_RULE_SHARE_SIZE] = "share-size",
    [FK_RULE_MISSING_PART] = "missing-partition",
    [FK_RULE_STRATEGY] = "strategy",
    [FK_RULE_COUNTERS] = "counters",
    [FK_RULE_BOARD] = "board",
    [FK_RULE_PRIMARY_INTERNAL] = "primary-internal",
};

const char *fk_layout_rule_name(enum fk_layout_rule rule)
{
    return (unsigned)rule < FK_RULE_COUNT && rule_names[rule] ? rule_names[rule] : "?";
}

__attribute__((format(printf, 6, 7))) static void add(struct fk_layout_report *r,
                                                      enum fk_layout_sev sev,
                                                      enum fk_layout_rule rule, const char *p1,
                                                      const char *p2, const char *fmt, ...)
{
    if (sev == FK_LAYOUT_ERROR) {
        r->errors++;
    } else if (sev == FK_LAYOUT_WARNING) {
        r->warnings++;
    } else {
        r->notes++;
    }
    if (r->count >= FK_LAYOUT_MAX_FINDINGS) {
        r->dropped++;
        return;
    }
    struct fk_layout_finding *f = &r->f[r->count++];
    f->sev = sev;
    f->rule = rule;
    snprintf(f->part, sizeof f->part, "%s", p1 ? p1 : "");
    snprintf(f->part2, sizeof f->part2, "%s", p2 ? p2 : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
}

static uint64_t pend(const struct fk_layout_part *p)
{
    return (uint64_t)p->address + p->size;
}

static int is_slot(const char *n)
{
    return !strcmp(n, "mcuboot_primary") || !strcmp(n, "mcuboot_secondary") ||
           !strcmp(n, "mcuboot_scratch") || !strcmp(n, "mcuboot_primary_1") ||
           !strcmp(n, "mcuboot_secondary_1");
}

/* ---- -19 class --------------------------------------------------------- */

static void drivers_hint(char *buf, size_t len, const struct fk_layout_part *p)
{
    if (strncmp(p->device, "DT_CHOSEN(", 10) == 0) {
        snprintf(buf, len,
                 "add the external flash to the board file (a top-level '%s:' entry with kind, "
                 "size, erase-size, write-size, bus and 'chosen: %.*s') and enable its driver "
                 "(the flash chip and its bus) in both the bootloader and the application",
                 p->region, (int)(strlen(p->device) - 11), p->device + 10);
    } else {
        snprintf(buf, len,
                 "add a '%s:' device to the board file (kind, size, erase-size, write-size%s) "
                 "and enable its driver in both the bootloader and the application",
                 p->region, p->device[0] ? ", chosen or label matching the partition's device" : "");
    }
}

static void check_devices(const struct fk_layout *l, const struct fk_board *b, const char *bname,
                          struct fk_layout_report *r)
{
    /* The first partition on a missing device gets the whole fix; the others
     * point back to it (one device, one fix). */
    int first_on[FK_LAYOUT_MAX_PARTS];
    unsigned nfirst = 0;
    /* Two passes: the bootloader and slots first (they are what fails at boot). */
    for (unsigned pass = 0; pass < 2 * l->count; pass++) {
        unsigned i = pass % l->count;
        const struct fk_layout_part *p = &l->part[i];
        int key = is_slot(p->name) || !strcmp(p->name, "mcuboot");
        if ((pass < l->count) != key || fk_layout_part_dev(l, b, i) >= 0) {
            continue;
        }
        char devdesc[FK_LAYOUT_NAME_LEN * 2 + 32];
        if (p->device[0]) {
            snprintf(devdesc, sizeof devdesc, "device %s (region %s)", p->device, p->region);
        } else {
            snprintf(devdesc, sizeof devdesc, "region %s", p->region);
        }
        char hint[400];
        drivers_hint(hint, sizeof hint, p);
        int d = fk_board_find(b, p->region);
        const char *what = is_slot(p->name) || !strcmp(p->name, "mcuboot")
                               ? "an image built for this board cannot open this flash area"
                               : "an image built for this board cannot open this partition";
        int seen = -1;
        for (unsigned k = 0; k < nfirst && seen < 0; k++) {
            if (!strcmp(l->part[first_on[k]].region, p->region) &&
                !strcmp(l->part[first_on[k]].device, p->device)) {
                seen = first_on[k];
            }
        }
        if (d < 0 && seen >= 0) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, p->name, NULL,
                "%s [0x%x-0x%llx) lives on the same missing %s as %s: %s; fix: the same as "
                "for %s",
                p->name, p->address, (unsigned long long)pend(p), devdesc, l->part[seen].name,
                what, l->part[seen].name);
        } else if (d < 0) {
            first_on[nfirst++] = (int)i;
            add(r, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, p->name, NULL,
                "%s [0x%x-0x%llx) lives on %s, which board %s does not define: %s (the runtime "
                "'Failed to open flash area ... -19'); fix: %s, or move %s to a region the "
                "board has",
                p->name, p->address, (unsigned long long)pend(p), devdesc, bname, what, hint,
                p->name);
        } else {
            const struct fk_board_dev *bd = &b->dev[d];
            add(r, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, p->name, NULL,
                "%s [0x%x-0x%llx) lives on %s, but board %s's %s device is chosen '%s', label "
                "'%s': no device the board defines answers to %s, so %s (the runtime 'Failed "
                "to open flash area ... -19'); fix: give board device %s the matching "
                "chosen/label, or correct the partition's device",
                p->name, p->address, (unsigned long long)pend(p), devdesc, bname, bd->name,
                bd->chosen, bd->label, p->device, what, bd->name);
        }
    }
    for (unsigned d = 0; d < b->count; d++) {
        const struct fk_board_dev *bd = &b->dev[d];
        if (bd->kind != FK_KIND_INTERNAL && bd->bus[0] == '\0') {
            add(r, FK_LAYOUT_WARNING, FK_RULE_BOARD, NULL, NULL,
                "board device %s is %s but names no bus: the generated header cannot tell the "
                "images which bus driver to include; fix: add 'bus: <spi/qspi instance>' to it "
                "in %s",
                bd->name, fk_board_kind_name(bd->kind), bname);
        }
    }
}

/* ---- geometry ---------------------------------------------------------- */

static void check_ends(const struct fk_layout *l, const struct fk_board *b,
                       struct fk_layout_report *r)
{
    for (unsigned i = 0; i < l->count; i++) {
        const struct fk_layout_part *p = &l->part[i];
        if (p->has_end && (uint64_t)p->end_address != pend(p)) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_END_ADDRESS, p->name, NULL,
                "%s: end_address 0x%x disagrees with address 0x%x + size 0x%x = 0x%llx; fix: "
                "set end_address to 0x%llx, or size to 0x%llx if the end is right",
                p->name, p->end_address, p->address, p->size, (unsigned long long)pend(p),
                (unsigned long long)pend(p),
                p->end_address >= p->address ? (unsigned long long)(p->end_address - p->address)
                                             : 0ULL);
        }
        int d = fk_layout_part_dev(l, b, i);
        if (pend(p) > 0xffffffffULL + 1) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_BEYOND_DEVICE, p->name, NULL,
                "%s: address 0x%x + size 0x%x passes 4 GiB; fix: correct address or size",
                p->name, p->address, p->size);
        } else if (d >= 0 && pend(p) > b->dev[d].size) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_BEYOND_DEVICE, p->name, NULL,
                "%s [0x%x-0x%llx) ends 0x%llx bytes past the end of device %s (size 0x%x); fix: "
                "shrink or move it to end by 0x%x",
                p->name, p->address, (unsigned long long)pend(p),
                (unsigned long long)(pend(p) - b->dev[d].size), b->dev[d].name, b->dev[d].size,
                b->dev[d].size);
        }
    }
    /* Region overflow: the leaves of a region together need more than its device. */
    for (unsigned d = 0; d < b->count; d++) {
        uint64_t sum = 0;
        unsigned n = 0;
        for (unsigned i = 0; i < l->count; i++) {
            if (l->part[i].span_count == 0 && !strcmp(l->part[i].region, b->dev[d].name)) {
                sum += l->part[i].size;
                n++;
            }
        }
        if (sum > b->dev[d].size) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_REGION_OVERFLOW, NULL, NULL,
                "region %s: its %u partitions need 0x%llx bytes together but device %s has "
                "0x%x; fix: shrink partitions by 0x%llx bytes or use a larger device",
                b->dev[d].name, n, (unsigned long long)sum, b->dev[d].name, b->dev[d].size,
                (unsigned long long)(sum - b->dev[d].size));
        }
    }
}

static void check_erase_align(const struct fk_layout *l, const struct fk_board *b,
                              struct fk_layout_report *r)
{
    for (unsigned i = 0; i < l->count; i++) {
        const struct fk_layout_part *p = &l->part[i];
        /* Slots and every top-level partition are erased as a unit; members
         * inside a slot (mcuboot_pad, app) sit at the image header by design. */
        if (!is_slot(p->name) && fk_layout_inside_container(l, i)) {
            continue;
        }
        int d = fk_layout_part_dev(l, b, i);
        if (d < 0) {
            continue;
        }
        uint32_t es = b->dev[d].erase_size;
        uint64_t e = pend(p);
        uint32_t so = p->address % es;
        uint32_t eo = (uint32_t)(e % es);
        if (so == 0 && eo == 0) {
            continue;
        }
        char where[200];
        if (so != 0 && eo != 0) {
            snprintf(where, sizeof where, "starts 0x%x and ends 0x%x bytes into a 0x%x-byte erase sector",
                     so, eo, es);
        } else if (so != 0) {
            snprintf(where, sizeof where, "starts 0x%x bytes into the 0x%x-byte erase sector at 0x%x",
                     so, es, p->address - so);
        } else {
            snprintf(where, sizeof where, "ends 0x%x bytes into the 0x%x-byte erase sector at 0x%llx",
                     eo, es, (unsigned long long)(e - eo));
        }
        uint64_t down = p->address - so;
        add(r, FK_LAYOUT_ERROR, FK_RULE_ERASE_ALIGN, p->name, NULL,
            "%s [0x%x-0x%llx) on %s %s: a partition erased as a unit must start and end on an "
            "erase boundary, else erasing it also erases a neighbour; fix: move it to 0x%llx "
            "or 0x%llx and make its size a multiple of 0x%x (e.g. 0x%llx)",
            p->name, p->address, (unsigned long long)e, b->dev[d].name, where,
            (unsigned long long)down, (unsigned long long)(down + (so ? es : 0)), es,
            (unsigned long long)((p->size + es - 1) / es * es));
    }
}

static void check_overlap(const struct fk_layout *l, struct fk_layout_report *r)
{
    for (unsigned i = 0; i < l->count; i++) {
        if (l->part[i].span_count || l->part[i].size == 0) {
            continue;
        }
        for (unsigned j = i + 1; j < l->count; j++) {
            const struct fk_layout_part *a = &l->part[i];
            const struct fk_layout_part *c = &l->part[j];
            if (c->span_count || c->size == 0 || strcmp(a->region, c->region) != 0) {
                continue;
            }
            uint64_t lo = a->address > c->address ? a->address : c->address;
            uint64_t hi = pend(a) < pend(c) ? pend(a) : pend(c);
            if (lo < hi) {
                if (is_slot(c->name) && !is_slot(a->name)) {
                    /* name the slot first */
                    const struct fk_layout_part *t = a;
                    a = c;
                    c = t;
                }
                add(r, FK_LAYOUT_ERROR, FK_RULE_OVERLAP, a->name, c->name,
                    "%s [0x%x-0x%llx) and %s [0x%x-0x%llx) overlap by 0x%llx bytes at "
                    "[0x%llx-0x%llx) on %s: writing one corrupts the other; fix: move or "
                    "shrink one of them",
                    a->name, a->address, (unsigned long long)pend(a), c->name, c->address,
                    (unsigned long long)pend(c), (unsigned long long)(hi - lo),
                    (unsigned long long)lo, (unsigned long long)hi, a->region);
            }
        }
    }
}

/* True if partition `from` spans `to`, directly or through nested spans
 * (a walk over the span graph, each partition visited once). */
static bool spans_reach(const struct fk_layout *l, int from, unsigned to)
{
    bool seen[FK_LAYOUT_MAX_PARTS] = {false};
    int stack[FK_LAYOUT_MAX_PARTS];
    unsigned top = 0;
    stack[top++] = from;
    seen[from] = true;
    while (top > 0) {
        const struct fk_layout_part *p = &l->part[stack[--top]];
        for (unsigned k = 0; k < p->span_count; k++) {
            int m = fk_layout_find(l, p->span[k]);
            if (m < 0 || seen[m]) {
                continue;
            }
            if ((unsigned)m == to) {
                return true;
            }
            seen[m] = true;
            stack[top++] = m;
        }
    }
    return false;
}

static void check_spans(const struct fk_layout *l, struct fk_layout_report *r)
{
    for (unsigned i = 0; i < l->count; i++) {
        const struct fk_layout_part *p = &l->part[i];
        if (p->span_count == 0) {
            continue;
        }
        int idx[FK_LAYOUT_MAX_SPAN];
        unsigned n = 0, missing = 0;
        for (unsigned k = 0; k < p->span_count; k++) {
            int m = fk_layout_find(l, p->span[k]);
            if (m < 0) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_MISSING, p->name, p->span[k],
                    "%s: its span names '%s', which is not a partition of this layout; fix: "
                    "add %s or remove it from the span",
                    p->name, p->span[k], p->span[k]);
                missing++;
                continue;
            }
            if (m == (int)i) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_MISSING, p->name, p->name,
                    "%s: its span names itself; fix: remove %s from its own span", p->name,
                    p->name);
                missing++;
                continue;
            }
            if (spans_reach(l, m, i)) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_COVER, p->name, l->part[m].name,
                    "%s spans %s, which itself spans %s: two containers cannot contain each "
                    "other, and no partition holds the range [0x%x-0x%llx); fix: list the "
                    "real partitions in one span and remove the other span",
                    p->name, l->part[m].name, p->name, p->address, (unsigned long long)pend(p));
                missing++;
                continue;
            }
            if (strcmp(l->part[m].region, p->region) != 0) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_COVER, p->name, l->part[m].name,
                    "%s (region %s) spans %s, which is in region %s: a container covers one "
                    "address range on one device; fix: move %s into %s or drop it from the span",
                    p->name, p->region, l->part[m].name, l->part[m].region, l->part[m].name,
                    p->region);
                missing++;
                continue;
            }
            idx[n++] = m;
        }
        if (missing || n == 0) {
            continue;
        }
        /* Sort members by address (insertion sort; n <= 16). */
        for (unsigned a = 1; a < n; a++) {
            for (unsigned c = a; c > 0 && l->part[idx[c]].address < l->part[idx[c - 1]].address;
                 c--) {
                int t = idx[c];
                idx[c] = idx[c - 1];
                idx[c - 1] = t;
            }
        }
        int gaps = 0;
        for (unsigned k = 1; k < n; k++) {
            const struct fk_layout_part *a = &l->part[idx[k - 1]], *c = &l->part[idx[k]];
            if (pend(a) != c->address) {
                gaps++;
                add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_GAP, p->name, c->name,
                    "%s: span members are not contiguous: %s ends at 0x%llx but the next, %s, "
                    "starts at 0x%x (%s of 0x%llx bytes); fix: make %s start at 0x%llx",
                    p->name, a->name, (unsigned long long)pend(a), c->name, c->address,
                    pend(a) < c->address ? "a gap" : "an overlap",
                    pend(a) < c->address ? (unsigned long long)(c->address - pend(a))
                                         : (unsigned long long)(pend(a) - c->address),
                    c->name, (unsigned long long)pend(a));
            }
        }
        uint64_t lo = l->part[idx[0]].address;
        uint64_t hi = 0;
        for (unsigned k = 0; k < n; k++) {
            hi = pend(&l->part[idx[k]]) > hi ? pend(&l->part[idx[k]]) : hi;
        }
        if (!gaps && (p->address != lo || pend(p) != hi)) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_SPAN_COVER, p->name, NULL,
                "%s [0x%x-0x%llx) does not cover its members exactly: they occupy "
                "[0x%llx-0x%llx); fix: set address 0x%llx and size 0x%llx",
                p->name, p->address, (unsigned long long)pend(p), (unsigned long long)lo,
                (unsigned long long)hi, (unsigned long long)lo, (unsigned long long)(hi - lo));
        }
    }
}

/* ---- MCUboot roles ----------------------------------------------------- */

static void check_boot(const struct fk_layout *l, const struct fk_board *b, const char *bname,
                       struct fk_layout_report *r)
{
    static const char *const need[] = {"mcuboot", "mcuboot_primary", "mcuboot_secondary"};
    static const char *const why[] = {
        "the bootloader partition (at 0x0 of internal flash)",
        "the primary slot the bootloader runs the application from",
        "the secondary slot updates are uploaded to",
    };
    for (unsigned k = 0; k < 3; k++) {
        if (fk_layout_find(l, need[k]) < 0) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_MISSING_PART, need[k], NULL,
                "no partition '%s' (%s): fotakit's bootloader and update path need it; fix: "
                "add it to the layout",
                need[k], why[k]);
        }
    }
    for (unsigned k = 0; k < 3; k++) {
        int z = fk_layout_find(l, need[k]);
        if (z >= 0 && l->part[z].size == 0) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_MISSING_PART, need[k], NULL,
                "%s at 0x%x has size 0: it is %s and needs room; fix: give it its size "
                "(and an address that leaves that room)",
                need[k], l->part[z].address, why[k]);
        }
    }
    int m = fk_layout_find(l, "mcuboot");
    if (m >= 0) {
        const struct fk_layout_part *p = &l->part[m];
        int d = fk_layout_part_dev(l, b, (unsigned)m);
        if (d >= 0 && (b->dev[d].kind != FK_KIND_INTERNAL || p->address != 0)) {
            int first_int = -1;
            for (unsigned i = 0; i < b->count; i++) {
                if (b->dev[i].kind == FK_KIND_INTERNAL) {
                    first_int = (int)i;
                    break;
                }
            }
            add(r, FK_LAYOUT_ERROR, FK_RULE_BOOTLOADER_START, p->name, NULL,
                "mcuboot [0x%x-0x%llx) is on %s (%s) at 0x%x, but the SoC starts the code at "
                "the start of internal flash; fix: place mcuboot at 0x0 of %s",
                p->address, (unsigned long long)pend(p), b->dev[d].name,
                fk_board_kind_name(b->dev[d].kind), p->address,
                first_int >= 0 ? b->dev[first_int].name : "the internal flash (which board lacks)");
        }
    }
    int pi = fk_layout_find(l, "mcuboot_primary");
    if (pi >= 0) {
        int d = fk_layout_part_dev(l, b, (unsigned)pi);
        if (d >= 0 && b->dev[d].kind != FK_KIND_INTERNAL) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_PRIMARY_INTERNAL, "mcuboot_primary", NULL,
                "mcuboot_primary is on %s (%s): the application runs in place from the primary "
                "slot, which must be internal flash; fix: move mcuboot_primary to internal "
                "flash (and put mcuboot_secondary on %s if needed)",
                b->dev[d].name, fk_board_kind_name(b->dev[d].kind), b->dev[d].name);
        }
    }
    (void)bname;
    /* share_size */
    for (unsigned i = 0; i < l->count; i++) {
        const struct fk_layout_part *p = &l->part[i];
        for (unsigned k = 0; k < p->share_count; k++) {
            int o = fk_layout_find(l, p->share_size[k]);
            if (o < 0) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SHARE_SIZE, p->name, p->share_size[k],
                    "%s: share_size names '%s', which is not a partition of this layout; fix: "
                    "correct the name",
                    p->name, p->share_size[k]);
            } else if (l->part[o].size != p->size) {
                add(r, FK_LAYOUT_ERROR, FK_RULE_SHARE_SIZE, p->name, l->part[o].name,
                    "%s is 0x%x bytes but declares share_size with %s, which is 0x%x bytes; "
                    "fix: make %s 0x%x bytes (or drop share_size)",
                    p->name, p->size, l->part[o].name, l->part[o].size, p->name,
                    l->part[o].size);
            }
        }
    }
}

static void check_slot_sizes(const struct fk_layout *l, const struct fk_board *b,
                             struct fk_layout_report *r)
{
    struct fk_slots s;
    fk_layout_slots(l, b, &s);
    if (s.p < 0 || s.s < 0 || s.sector == 0) {
        return;
    }
    const struct fk_layout_part *P = &l->part[s.p], *S = &l->part[s.s];
    if (S->size >= P->size) {
        return;
    }
    uint32_t diff = P->size - S->size;
    const struct fk_layout_strategy_row *sw = &r->strat[FK_STRATEGY_SWAP];
    const struct fk_layout_strategy_row *ow = &r->strat[FK_STRATEGY_OVERWRITE];
    char carry[600];
    if (!sw->supported && !ow->supported) {
        snprintf(carry, sizeof carry, "none: %s", sw->reason);
    } else if (sw->max_image == ow->max_image) {
        snprintf(carry, sizeof carry, "0x%x bytes (fotakit swap and overwrite-only)",
                 sw->max_image);
    } else {
        snprintf(carry, sizeof carry, "0x%x bytes with swap, 0x%x with overwrite-only",
                 sw->max_image, ow->max_image);
    }
    if (diff > s.sector) {
        add(r, FK_LAYOUT_ERROR, FK_RULE_SLOT_SIZE, S->name, P->name,
            "mcuboot_secondary (0x%x bytes) is 0x%x bytes smaller than mcuboot_primary "
            "(0x%x): more than one erase sector (0x%x) smaller, so it cannot hold an image as "
            "large as the primary slot runs; the largest image an update can carry is %s; "
            "fix: make mcuboot_secondary at least 0x%x bytes (0x%x for equal slots)",
            S->size, diff, P->size, s.sector, carry, P->size - s.sector, P->size);
    } else {
        add(r, FK_LAYOUT_NOTE, FK_RULE_SLOT_SIZE, S->name, P->name,
            "mcuboot_secondary (0x%x) is 0x%x bytes smaller than mcuboot_primary (0x%x), as "
            "swap strategies use (one sector); the largest image an update can carry is %s",
            S->size, diff, P->size, carry);
    }
}

/* Image 1 (NCS: the nRF5340 network core): both slots or neither, each with
 * room, and a secondary that holds what the primary runs. Image 1 is updated
 * overwrite-only or by swap (its own mode); for both, an image must fit the
 * smaller slot, so a smaller secondary only limits image 1's size. */
static void check_image1(const struct fk_layout *l, const struct fk_board *b,
                         struct fk_layout_report *r)
{
    int pi = fk_layout_find(l, "mcuboot_primary_1");
    int si = fk_layout_find(l, "mcuboot_secondary_1");
    if (pi < 0 && si < 0) {
        return;
    }
    if (pi < 0 || si < 0) {
        const char *have = pi < 0 ? "mcuboot_secondary_1" : "mcuboot_primary_1";
        const char *lack = pi < 0 ? "mcuboot_primary_1" : "mcuboot_secondary_1";
        add(r, FK_LAYOUT_ERROR, FK_RULE_MISSING_PART, lack, have,
            "the layout has %s but no %s: image 1 needs both slots (primary: what image 1 "
            "runs or is handed over from; secondary: where its updates are uploaded); fix: add "
            "%s, or drop %s for a single-image build",
            have, lack, lack, have);
        return;
    }
    const struct fk_layout_part *P = &l->part[pi], *S = &l->part[si];
    for (int k = 0; k < 2; k++) {
        const struct fk_layout_part *q = k ? S : P;
        if (q->size == 0) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_MISSING_PART, q->name, NULL,
                "%s at 0x%x has size 0: image 1's %s slot needs room; fix: give it its size",
                q->name, q->address, k ? "secondary" : "primary");
            return;
        }
    }
    if (S->size < P->size) {
        add(r, FK_LAYOUT_NOTE, FK_RULE_SLOT_SIZE, S->name, P->name,
            "mcuboot_secondary_1 (0x%x bytes) is 0x%x bytes smaller than mcuboot_primary_1 "
            "(0x%x): image 1's updates can be at most 0x%x bytes (header, payload, TLVs and "
            "trailer)",
            S->size, P->size - S->size, P->size, S->size);
    }
    (void)b;
}

/* A board device with `core: network` is the nRF5340 network core's own
 * flash: the application core (and its bootloader) cannot address it, so
 * no partition of this layout may sit there; b0n writes it from a PCD
 * hand-over through mcuboot_primary_1 in RAM. */
static void check_netcore(const struct fk_layout *l, const struct fk_board *b,
                          struct fk_layout_report *r)
{
    for (unsigned i = 0; i < l->count; i++) {
        int d = fk_layout_part_dev(l, b, i);
        if (d < 0 || !b->dev[d].netcore || l->part[i].span_count > 0) {
            continue;
        }
        const struct fk_layout_part *p = &l->part[i];
        add(r, FK_LAYOUT_ERROR, FK_RULE_NO_DEVICE, p->name, NULL,
            "%s [0x%x-0x%llx) lives on %s, the network core's own flash (core: network), which "
            "the application core cannot address: an image built for it cannot open this "
            "partition; fix: put image 1's mcuboot_primary_1 in RAM (a `volatile: true` region, "
            "NCS's ram_flash) and leave the network core's flash to its own bootloader",
            p->name, p->address, (unsigned long long)pend(p), b->dev[d].name);
    }
}

static void check_strategy(const struct fk_layout *l, int strategy, struct fk_layout_report *r)
{
    (void)l;
    if (strategy < 0 || strategy >= FK_STRATEGY_COUNT) {
        return;
    }
    const struct fk_layout_strategy_row *row = &r->strat[strategy];
    if (!row->supported) {
        add(r, FK_LAYOUT_ERROR, FK_RULE_STRATEGY, "mcuboot_primary", "mcuboot_secondary",
            "--strategy %s: this layout cannot run it: %s", row->name, row->reason);
    }
}

unsigned fk_layout_image_count(const struct fk_layout *l)
{
    return fk_layout_find(l, "mcuboot_primary_1") >= 0 ||
                   fk_layout_find(l, "mcuboot_secondary_1") >= 0
               ? 2u
               : 1u;
}

int fk_layout_check(const struct fk_layout *l, const struct fk_board *b, const char *board_name,
                    int strategy, struct fk_layout_report *r)
{
    memset(r, 0, sizeof *r);
    const char *bname = board_name ? board_name : "this board";
    fk_layout_strategies(l, b, r);
    check_devices(l, b, bname, r);
    check_ends(l, b, r);
    check_erase_align(l, b, r);
    check_overlap(l, r);
    check_spans(l, r);
    check_boot(l, b, bname, r);
    check_slot_sizes(l, b, r);
    check_image1(l, b, r);
    check_netcore(l, b, r);
    check_strategy(l, strategy, r);
    int ci = fk_layout_find(l, "fotakit_counters");
    if (ci < 0) {
        add(r, FK_LAYOUT_NOTE, FK_RULE_COUNTERS, NULL, NULL,
            "no fotakit_counters partition: downgrade protection by security counter is off "
            "(a signed older image with a lower security counter would be accepted); add a "
            "fotakit_counters partition of two erase sectors on internal flash to turn it on");
    } else {
        /* The bootloader's counter store alternates between two erase sectors
         * (src/boot/counter.c). */
        int d = fk_layout_part_dev(l, b, (unsigned)ci);
        const struct fk_layout_part *p = &l->part[ci];
        if (d >= 0 && p->size / b->dev[d].erase_size < 2) {
            add(r, FK_LAYOUT_ERROR, FK_RULE_COUNTERS, p->name, NULL,
                "fotakit_counters [0x%x-0x%llx) is 0x%x bytes, less than two 0x%x-byte erase "
                "sectors of %s: the security-counter store alternates between two sectors so "
                "that an erase never destroys the latest value; fix: make it 0x%x bytes",
                p->address, (unsigned long long)pend(p), p->size, b->dev[d].erase_size,
                b->dev[d].name, 2 * b->dev[d].erase_size);
        }
    }
    /* Errors first, then warnings, then notes; stable within a severity. */
    for (unsigned i = 1; i < r->count; i++) {
        for (unsigned k = i; k > 0 && r->f[k].sev > r->f[k - 1].sev; k--) {
            struct fk_layout_finding t = r->f[k];
            r->f[k] = r->f[k - 1];
            r->f[k - 1] = t;
        }
    }
    return (int)r->errors;
}
