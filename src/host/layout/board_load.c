/*
 * *.board.yml -> struct fk_board (docs/board-file.md).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/layout.h"
#include "yload.h"
#include "ytree.h"

static int is_pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

static int ydbl(const struct yctx *c, int node, double *out, const char *what)
{
    if (yt_double(&c->t->n[node], out) != 0) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node,
                    "%s: expected a non-negative number (e.g. 87.5), found %s%s%s", what,
                    c->t->n[node].type == YT_SCALAR ? "'" : yt_kind(&c->t->n[node]),
                    c->t->n[node].type == YT_SCALAR ? c->t->n[node].text : "",
                    c->t->n[node].type == YT_SCALAR ? "'" : "");
    }
    return 0;
}

static int jedec(const struct yctx *c, int node, struct fk_board_dev *d, const char *what)
{
    const struct yt_node *n = &c->t->n[node];
    if (n->type != YT_SEQ || n->nkids != 3) {
        return yerr(c, FK_ELAYOUT_SYNTAX, node,
                    "%s: expected a list of 3 bytes, e.g. [0xc2, 0x28, 0x15]", what);
    }
    for (int i = 0; i < 3; i++) {
        unsigned long long v;
        if (yt_u32(&c->t->n[n->kids[i]], 0xff, &v) != 0) {
            return yerr(c, FK_ELAYOUT_SYNTAX, n->kids[i],
                        "%s: entry %d is not a byte (0 .. 0xff)", what, i + 1);
        }
        d->jedec_id[i] = (uint8_t)v;
    }
    d->has_jedec_id = 1;
    return 0;
}

static int load_dev(const struct yctx *c, int knode, int vnode, struct fk_board_dev *d)
{
    const struct ytree *t = c->t;
    int rc = yname(c, knode, d->name, sizeof d->name, 1, "device (region) name");
    if (rc < 0) {
        return rc;
    }
    char owner[FK_BOARD_NAME_LEN + 16];
    snprintf(owner, sizeof owner, "device '%s'", d->name);
    rc = ymap_keys(c, vnode, owner, "a mapping (kind, size, erase-size, ...)");
    if (rc) {
        return rc;
    }
    const struct yt_node *v = &t->n[vnode];
    int have_kind = 0, have_size = 0, have_erase = 0, have_write = 0, have_page = 0;
    for (size_t i = 0; i + 1 < v->nkids; i += 2) {
        int kn = v->kids[i], vn = v->kids[i + 1];
        const struct yt_node *k = &t->n[kn];
        char what[128];
        snprintf(what, sizeof what, "device '%s', key '%s'", d->name, k->text);
        const char *key = k->text;
        if (strcmp(key, "kind") == 0) {
            const struct yt_node *vv = &t->n[vn];
            have_kind = 1;
            if (vv->type == YT_SCALAR && strcmp(vv->text, "internal") == 0) {
                d->kind = FK_KIND_INTERNAL;
            } else if (vv->type == YT_SCALAR && strcmp(vv->text, "spi-nor") == 0) {
                d->kind = FK_KIND_SPI_NOR;
            } else if (vv->type == YT_SCALAR && strcmp(vv->text, "qspi-nor") == 0) {
                d->kind = FK_KIND_QSPI_NOR;
            } else {
                rc = yerr(c, FK_ELAYOUT_SYNTAX, vn,
                          "%s: '%s' is not a kind fotakit knows (internal, spi-nor, qspi-nor)",
                          what, vv->type == YT_SCALAR ? vv->text : yt_kind(vv));
            }
        } else if (strcmp(key, "size") == 0) {
            rc = yu32(c, vn, &d->size, what);
            have_size = 1;
        } else if (strcmp(key, "erase-size") == 0) {
            rc = yu32(c, vn, &d->erase_size, what);
            have_erase = 1;
        } else if (strcmp(key, "write-size") == 0) {
            rc = yu32(c, vn, &d->write_size, what);
            have_write = 1;
        } else if (strcmp(key, "page-size") == 0) {
            rc = yu32(c, vn, &d->page_size, what);
            have_page = 1;
        } else if (strcmp(key, "jedec-id") == 0) {
            rc = jedec(c, vn, d, what);
        } else if (strcmp(key, "bus") == 0) {
            rc = yname(c, vn, d->bus, sizeof d->bus, 1, what);
        } else if (strcmp(key, "chosen") == 0) {
            rc = yname(c, vn, d->chosen, sizeof d->chosen, 1, what);
        } else if (strcmp(key, "label") == 0) {
            rc = yname(c, vn, d->label, sizeof d->label, 1, what);
        } else if (strcmp(key, "erase-ms") == 0) {
            rc = ydbl(c, vn, &d->erase_ms, what);
        } else if (strcmp(key, "write-us-per-word") == 0) {
            rc = ydbl(c, vn, &d->write_us_per_word, what);
        } else if (strcmp(key, "sector-erase-ms") == 0) {
            rc = ydbl(c, vn, &d->sector_erase_ms, what);
        } else if (strcmp(key, "page-program-ms") == 0) {
            rc = ydbl(c, vn, &d->page_program_ms, what);
        } else if (strcmp(key, "spi-hz") == 0) {
            rc = yu32(c, vn, &d->spi_hz, what);
        } else if (strcmp(key, "block32-erase-ms") == 0) {
            rc = ydbl(c, vn, &d->block32_erase_ms, what);
        } else if (strcmp(key, "block64-erase-ms") == 0) {
            rc = ydbl(c, vn, &d->block64_erase_ms, what);
        } else if (strcmp(key, "sector-erase-max-ms") == 0) {
            rc = ydbl(c, vn, &d->sector_erase_max_ms, what);
        } else if (strcmp(key, "block32-erase-max-ms") == 0) {
            rc = ydbl(c, vn, &d->block32_erase_max_ms, what);
        } else if (strcmp(key, "block64-erase-max-ms") == 0) {
            rc = ydbl(c, vn, &d->block64_erase_max_ms, what);
        } else if (strcmp(key, "page-program-max-ms") == 0) {
            rc = ydbl(c, vn, &d->page_program_max_ms, what);
        } else if (strcmp(key, "volatile") == 0 || strcmp(key, "core") == 0) {
            const struct yt_node *vv = &t->n[vn];
            const char *txt = vv->type == YT_SCALAR ? vv->text : "";
            bool vol = strcmp(key, "volatile") == 0;
            if (vol && (!strcmp(txt, "true") || !strcmp(txt, "false"))) {
                d->is_volatile = !strcmp(txt, "true");
            } else if (!vol && (!strcmp(txt, "application") || !strcmp(txt, "network"))) {
                d->netcore = !strcmp(txt, "network");
            } else {
                rc = yerr(c, FK_ELAYOUT_SYNTAX, vn, "%s: expected %s, found '%s'", what,
                          vol ? "true or false" : "application or network",
                          vv->type == YT_SCALAR ? vv->text : yt_kind(vv));
            }
        } else if (strcmp(key, "address") == 0 || strcmp(key, "end_address") == 0 ||
                   strcmp(key, "span") == 0 || strcmp(key, "region") == 0) {
            rc = yerr(c, FK_ELAYOUT_SYNTAX, kn,
                      "device '%s': unknown key '%s': this looks like a partition file "
                      "(pm_static.yml), not a board file; give the layout first and the board "
                      "with --board",
                      d->name, key);
        } else {
            rc = yerr(c, FK_ELAYOUT_SYNTAX, kn,
                      "device '%s': unknown key '%s' (known: kind, size, erase-size, "
                      "write-size, page-size, jedec-id, bus, chosen, label, erase-ms, "
                      "write-us-per-word, sector-erase-ms, page-program-ms, spi-hz, "
                      "block32-erase-ms, block64-erase-ms, sector-erase-max-ms, "
                      "block32-erase-max-ms, block64-erase-max-ms, page-program-max-ms, volatile, "
                      "core)",
                      d->name, key);
        }
        if (rc < 0) {
            return rc;
        }
    }
    const char *missing = !have_kind    ? "kind"
                          : !have_size  ? "size"
                          : !have_erase ? "erase-size"
                          : !have_write ? "write-size"
                                        : NULL;
    if (missing != NULL) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': missing key '%s'; every device needs kind, size, erase-size "
                    "and write-size",
                    d->name, missing);
    }
    /* Geometry the flash layer relies on (fk_flash_dev: power-of-two sectors). */
    if (!is_pow2(d->erase_size)) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': erase-size 0x%x is not a power of two", d->name, d->erase_size);
    }
    if (d->size == 0 || d->size % d->erase_size != 0) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': size 0x%x is not a non-zero multiple of erase-size 0x%x",
                    d->name, d->size, d->erase_size);
    }
    if (!is_pow2(d->write_size) || d->write_size > d->erase_size) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': write-size %u must be a power of two no larger than "
                    "erase-size 0x%x",
                    d->name, d->write_size, d->erase_size);
    }
    if ((d->is_volatile || d->netcore) && d->kind != FK_KIND_INTERNAL) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': %s is for internal devices (kind: internal) only", d->name,
                    d->is_volatile ? "volatile: true" : "core: network");
    }
    if (d->kind != FK_KIND_INTERNAL) {
        if (!have_page) {
            d->page_size = 256; /* JEDEC NOR page program */
        }
        if (!is_pow2(d->page_size) || d->page_size > d->erase_size) {
            return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                        "device '%s': page-size %u must be a power of two no larger than "
                        "erase-size 0x%x",
                        d->name, d->page_size, d->erase_size);
        }
    } else if (have_page && d->page_size != 0) {
        return yerr(c, FK_ELAYOUT_SYNTAX, knode,
                    "device '%s': page-size is for NOR chips; internal flash programs by "
                    "write-size (remove it)",
                    d->name);
    }
    return 0;
}

static int load_tree(const struct ytree *t, const char *name, struct fk_board *out, char *err,
                     size_t errlen)
{
    struct yctx c = {.t = t, .name = name, .err = err, .errlen = errlen};
    if (t->root < 0) {
        return yerr(&c, FK_ELAYOUT_SYNTAX, -1,
                    "empty file: expected a mapping of region names to flash devices");
    }
    const struct yt_node *r = &t->n[t->root];
    if (r->type != YT_MAP || r->nkids == 0) {
        return yerr(&c, FK_ELAYOUT_SYNTAX, t->root,
                    "expected a mapping of region names (flash_primary, external_flash, ...) "
                    "to flash devices, found %s",
                    r->type == YT_MAP ? "an empty mapping" : yt_kind(r));
    }
    if (r->nkids / 2 > FK_BOARD_MAX_DEVS) {
        return yerr(&c, FK_ELAYOUT_LIMIT, t->root, "%zu devices; fotakit supports at most %d",
                    r->nkids / 2, FK_BOARD_MAX_DEVS);
    }
    for (size_t i = 0; i + 1 < r->nkids; i += 2) {
        struct fk_board_dev *d = &out->dev[out->count];
        int rc = load_dev(&c, r->kids[i], r->kids[i + 1], d);
        if (rc < 0) {
            return rc;
        }
        if (fk_board_find(out, d->name) >= 0) {
            return yerr(&c, FK_ELAYOUT_SYNTAX, r->kids[i], "device '%s' is defined twice",
                        d->name);
        }
        out->count++;
    }
    return 0;
}

/* From a buffer (path NULL) or a file; on error nothing half-loaded is left. */
static int load_any(const char *name, const char *path, const void *buf, size_t len,
                    struct fk_board *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
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

int fk_board_load_mem(const char *name, const void *buf, size_t len, struct fk_board *out,
                      char *err, size_t errlen)
{
    return load_any(name ? name : "<board>", NULL, buf, len, out, err, errlen);
}

int fk_board_load(const char *path, struct fk_board *out, char *err, size_t errlen)
{
    return load_any(path, path, NULL, 0, out, err, errlen);
}

int fk_board_find(const struct fk_board *b, const char *name)
{
    for (unsigned i = 0; i < b->count && i < FK_BOARD_MAX_DEVS; i++) {
        if (strcmp(b->dev[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *fk_board_kind_name(enum fk_dev_kind kind)
{
    switch (kind) {
    case FK_KIND_INTERNAL:
        return "internal";
    case FK_KIND_SPI_NOR:
        return "spi-nor";
    case FK_KIND_QSPI_NOR:
        return "qspi-nor";
    }
    return "?";
}
