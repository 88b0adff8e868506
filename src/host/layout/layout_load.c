/*
 * pm_static.yml -> struct fk_layout (docs/layout-file.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/layout.h"
#include "yload.h"
#include "ytree.h"

/* Keys the partition manager writes that fotakit does not need. */
static const char *const ignored_keys[] = {
    "placement", "align", "inside", "orig_span", "affiliation", "extra_params", "sharers",
    NULL,
};

static int is_ignored(const char *k)
{
    for (size_t i = 0; ignored_keys[i]; i++) {
        if (strcmp(k, ignored_keys[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* A list of names (or a single name) into dst[max][FK_LAYOUT_NAME_LEN]. */
static int name_list(const struct yctx *c, int node, char (*dst)[FK_LAYOUT_NAME_LEN], unsigned max,
                     unsigned *count, const char *pname, const char *key)
{
    const struct ytree *t = c->t;
    char what[128];
    *count = 0;
    if (t->n[node].type == YT_SCALAR) {
        snprintf(what, sizeof what, "partition '%s', key '%s'", pname, key);
        int rc = yname(c, node, dst[0], FK_LAYOUT_NAME_LEN, 1, what);
        if (rc == 0) {
            *count = 1;
        }
        return rc;
    }
    if (t->n[node].type != YT_SEQ) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node,
                    "partition '%s', key '%s': expected a list of partition names, found %s",
                    pname, key, yt_kind(&t->n[node]));
    }
    if (t->n[node].nkids > max) {
        return yerr(c, FK_ELAYOUT_LIMIT, node,
                    "partition '%s', key '%s': %zu entries; fotakit reads at most %u", pname, key,
                    t->n[node].nkids, max);
    }
    for (size_t i = 0; i < t->n[node].nkids; i++) {
        snprintf(what, sizeof what, "partition '%s', key '%s', entry %zu", pname, key, i + 1);
        int rc = yname(c, t->n[node].kids[i], dst[i], FK_LAYOUT_NAME_LEN, 1, what);
        if (rc < 0) {
            return rc;
        }
    }
    *count = (unsigned)t->n[node].nkids;
    return 0;
}

static int load_part(const struct yctx *c, int knode, int vnode, struct fk_layout_part *p)
{
    const struct ytree *t = c->t;
    int rc = yname(c, knode, p->name, sizeof p->name, 1, "partition name");
    if (rc < 0) {
        return rc;
    }
    p->line = t->n[knode].line;
    p->col = t->n[knode].col;
    char owner[sizeof p->name + 16];
    snprintf(owner, sizeof owner, "partition '%s'", p->name);
    rc = ymap_keys(c, vnode, owner, "a mapping of keys (address, size, ...)");
    if (rc) {
        return rc;
    }
    const struct yt_node *v = &t->n[vnode];
    int have_addr = 0, have_size = 0, have_region = 0;
    for (size_t i = 0; i + 1 < v->nkids; i += 2) {
        int kn = v->kids[i], vn = v->kids[i + 1];
        const struct yt_node *k = &t->n[kn];
        char what[128];
        snprintf(what, sizeof what, "partition '%s', key '%s'", p->name, k->text);
        if (strcmp(k->text, "address") == 0) {
            rc = yu32(c, vn, &p->address, what);
            have_addr = 1;
        } else if (strcmp(k->text, "size") == 0) {
            rc = yu32(c, vn, &p->size, what);
            have_size = 1;
        } else if (strcmp(k->text, "end_address") == 0) {
            rc = yu32(c, vn, &p->end_address, what);
            p->has_end = true;
        } else if (strcmp(k->text, "region") == 0) {
            rc = yname(c, vn, p->region, sizeof p->region, 1, what);
            have_region = 1;
        } else if (strcmp(k->text, "device") == 0) {
            rc = yname(c, vn, p->device, sizeof p->device, 0, what);
        } else if (strcmp(k->text, "span") == 0) {
            rc = name_list(c, vn, p->span, FK_LAYOUT_MAX_SPAN, &p->span_count, p->name, "span");
            if (rc == 0 && p->span_count == 0) {
                rc = yerr(c, FK_ELAYOUT_SYNTAX, vn,
                          "partition '%s', key 'span': empty list; a span names the partitions "
                          "it contains (remove the key for a plain partition)",
                          p->name);
            }
        } else if (strcmp(k->text, "share_size") == 0) {
            rc = name_list(c, vn, p->share_size, FK_LAYOUT_MAX_SHARE, &p->share_count, p->name,
                           "share_size");
        } else if (is_ignored(k->text)) {
            rc = 0;
        } else if (strcmp(k->text, "kind") == 0 || strcmp(k->text, "erase-size") == 0 ||
                   strcmp(k->text, "write-size") == 0) {
            rc = yerr(c, FK_ELAYOUT_SYNTAX, kn,
                      "partition '%s': unknown key '%s': this looks like a board file, not a "
                      "partition file; give the layout (pm_static.yml) first and the board "
                      "with --board",
                      p->name, k->text);
        } else {
            rc = yerr(c, FK_ELAYOUT_SYNTAX, kn,
                      "partition '%s': unknown key '%s' (fotakit reads address, end_address, "
                      "size, region, device, span, share_size and ignores placement, align, "
                      "inside, orig_span, affiliation, extra_params, sharers)",
                      p->name, k->text);
        }
        if (rc < 0) {
            return rc;
        }
    }
    if (!have_addr || !have_size) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "partition '%s': missing key '%s'; every partition needs address and size",
                    p->name, !have_addr ? "address" : "size");
    }
    if (!have_region) {
        /* Older partition-manager files omit region for the SoC flash. */
        strcpy(p->region, "flash_primary");
    }
    return 0;
}

static int load_tree(const struct ytree *t, const char *name, struct fk_layout *out, char *err,
                     size_t errlen)
{
    struct yctx c = {.t = t, .name = name, .err = err, .errlen = errlen};
    if (t->root < 0) {
        return yerr(&c, FK_ELAYOUT_SYNTAX, -1,
                    "empty file: expected a mapping of partition names to "
                    "{address, size, region, ...}");
    }
    const struct yt_node *r = &t->n[t->root];
    if (r->type != YT_MAP) {
        return yerr(&c, FK_ELAYOUT_SYNTAX, t->root,
                    "expected a mapping of partition names to {address, size, region, ...}, "
                    "found %s: is this a pm_static.yml?",
                    yt_kind(r));
    }
    if (r->nkids / 2 > FK_LAYOUT_MAX_PARTS) {
        return yerr(&c, FK_ELAYOUT_LIMIT, t->root, "%zu partitions; fotakit reads at most %d",
                    r->nkids / 2, FK_LAYOUT_MAX_PARTS);
    }
    if (r->nkids == 0) {
        return yerr(&c, FK_ELAYOUT_SYNTAX, t->root, "no partitions");
    }
    for (size_t i = 0; i + 1 < r->nkids; i += 2) {
        struct fk_layout_part *p = &out->part[out->count];
        int rc = load_part(&c, r->kids[i], r->kids[i + 1], p);
        if (rc < 0) {
            return rc;
        }
        int dup = fk_layout_find(out, p->name);
        if (dup >= 0) {
            return yerr(&c, FK_ELAYOUT_SYNTAX, r->kids[i],
                        "partition '%s' is defined twice (first at line %u)", p->name,
                        out->part[dup].line);
        }
        out->count++;
    }
    return 0;
}

static void set_path(struct fk_layout *out, const char *name)
{
    snprintf(out->path, sizeof out->path, "%s", name);
}

/* From a buffer (path NULL) or a file; on error nothing half-loaded is left. */
static int load_any(const char *name, const char *path, const void *buf, size_t len,
                    struct fk_layout *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    set_path(out, name);
    struct ytree t;
    int rc = path ? yopen_file(&t, path, err, errlen) : yt_load(&t, name, buf, len, err, errlen);
    if (rc == 0) {
        rc = load_tree(&t, name, out, err, errlen);
    }
    yt_free(&t);
    if (rc < 0) {
        out->count = 0;
    }
    return rc;
}

int fk_layout_load_mem(const char *name, const void *buf, size_t len, struct fk_layout *out,
                       char *err, size_t errlen)
{
    return load_any(name ? name : "<layout>", NULL, buf, len, out, err, errlen);
}

int fk_layout_load(const char *path, struct fk_layout *out, char *err, size_t errlen)
{
    return load_any(path, path, NULL, 0, out, err, errlen);
}

int fk_layout_find(const struct fk_layout *l, const char *name)
{
    for (unsigned i = 0; i < l->count; i++) {
        if (strcmp(l->part[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}
