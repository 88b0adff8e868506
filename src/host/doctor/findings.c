/*
 * Findings: add, attach evidence and fixes, order; and the file reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor_priv.h"

int fk_doc_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
    *buf = NULL;
    *len = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (err && errlen) {
            snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        }
        return FK_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        if (err && errlen) {
            snprintf(err, errlen, "%s: cannot read: not a regular file", path);
        }
        return FK_EIO;
    }
    if ((unsigned long long)st.st_size > FK_DOC_MAX_FILE) {
        if (err && errlen) {
            snprintf(err, errlen, "%s: %lld bytes: larger than fotakit reads (%u)", path,
                     (long long)st.st_size, FK_DOC_MAX_FILE);
        }
        return FK_EINVAL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen) {
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        }
        return FK_EIO;
    }
    char *b = malloc((size_t)st.st_size + 1);
    size_t n = b ? fread(b, 1, (size_t)st.st_size, f) : 0;
    int bad = !b || ferror(f);
    fclose(f);
    if (bad) {
        free(b);
        if (err && errlen) {
            snprintf(err, errlen, "%s: read error", path);
        }
        return FK_EIO;
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return FK_OK;
}

void doc_fmt(char *out, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, len, fmt, ap);
    va_end(ap);
}

const char *fk_doctor_sev_name(enum fk_doc_sev s)
{
    return s == FK_DOC_ERROR ? "error" : s == FK_DOC_WARNING ? "warning" : "note";
}

struct fk_doc_finding *doc_add(struct doc_ctx *c, enum fk_doc_sev sev, unsigned check,
                               const char *id, const char *image, const char *fmt, ...)
{
    static struct fk_doc_finding sink; /* findings past the limit are counted, not kept */
    struct fk_doc_report *r = c->r;
    if (sev == FK_DOC_ERROR) {
        r->errors++;
    } else if (sev == FK_DOC_WARNING) {
        r->warnings++;
    } else {
        r->notes++;
    }
    struct fk_doc_finding *f;
    if (r->count >= FK_DOC_MAX_FINDINGS) {
        r->dropped++;
        f = &sink;
    } else {
        f = &r->f[r->count++];
    }
    memset(f, 0, sizeof *f);
    f->sev = sev;
    f->check = check;
    snprintf(f->id, sizeof f->id, "%s", id);
    snprintf(f->image, sizeof f->image, "%s", image);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    return f;
}

void doc_evid(struct fk_doc_finding *f, const char *fmt, ...)
{
    if (f->nevid >= FK_DOC_MAX_EVID) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->evid[f->nevid++], sizeof f->evid[0], fmt, ap);
    va_end(ap);
}

void doc_fix(struct fk_doc_finding *f, const char *file, const char *fmt, ...)
{
    snprintf(f->fix_file, sizeof f->fix_file, "%s", file);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->fix_line, sizeof f->fix_line, fmt, ap);
    va_end(ap);
}

void doc_evid_sym(struct fk_doc_finding *f, const struct doc_img *im, const char *sym)
{
    const struct fk_kc_sym *s = fk_kconfig_get(&im->kc, sym);
    const char *pf = im->kc.sysbuild ? "SB_CONFIG_" : "CONFIG_";
    if (!s) {
        doc_evid(f, "%s: no %s%s line (the symbol is not in this image's Kconfig)", im->cfg_disp,
                 pf, sym);
    } else if (s->type == FK_KC_NOT_SET) {
        doc_evid(f, "%s:%u: # %s%s is not set", im->cfg_disp, s->line, pf, sym);
    } else if (s->type == FK_KC_STRING) {
        doc_evid(f, "%s:%u: %s%s=\"%s\"", im->cfg_disp, s->line, pf, sym, s->value);
    } else {
        doc_evid(f, "%s:%u: %s%s=%s", im->cfg_disp, s->line, pf, sym, s->value);
    }
}

void doc_evid_dts(struct fk_doc_finding *f, const struct doc_img *im, const char *path,
                  const char *prop, const char *fmt, ...)
{
    char what[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    unsigned line = fk_dts_line(&im->dts, path, prop);
    if (!line && prop) {
        line = fk_dts_line(&im->dts, path, NULL);
    }
    if (line) {
        doc_evid(f, "%s:%u: %s", im->dts_disp, line, what);
    } else {
        doc_evid(f, "%s: %s", im->dts_disp, what);
    }
}

void doc_evid_part(struct fk_doc_finding *f, const struct doc_ctx *c, const char *part)
{
    const struct fk_layout_part *p = doc_part(c, part);
    if (!p) {
        doc_evid(f, "%s: no partition %s", c->pm_disp, part);
        return;
    }
    doc_evid(f, "%s:%u: %s: address 0x%x, size 0x%x, region %s%s%s", c->pm_disp, p->line, part,
             p->address, p->size, p->region, p->device[0] ? ", device " : "", p->device);
}

unsigned doc_frag_line(const struct doc_frag *fr, const char *sym, char *v, size_t vlen)
{
    if (v && vlen) {
        v[0] = '\0';
    }
    if (!fr->text) {
        return 0;
    }
    unsigned line = 0, found = 0;
    size_t sl = strlen(sym);
    for (const char *l = fr->text; *l;) {
        line++;
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        const char *p = l;
        while (p < l + n && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if ((size_t)(l + n - p) > 7 + sl && strncmp(p, "CONFIG_", 7) == 0 &&
            strncmp(p + 7, sym, sl) == 0 && (p[7 + sl] == '=' || p[7 + sl] == ' ')) {
            const char *q = strchr(p, '=');
            if (q && q < l + n) {
                q++;
                while (*q == ' ') {
                    q++;
                }
                size_t vl = (size_t)(l + n - q);
                if (v && vlen) {
                    snprintf(v, vlen, "%.*s", (int)vl, q);
                }
                found = line; /* the last assignment wins, as in Kconfig */
            }
        }
        l = e ? e + 1 : l + n;
    }
    return found;
}

/* Image order in the report: the group with the most severe finding first,
 * then app, mcuboot, build, sysbuild, others (stable). Ranks are computed
 * before sorting: the array is in flux while it is sorted. */
static int img_rank(const char *img)
{
    static const char *const order[] = {"app", "mcuboot", "build", "sysbuild", "netcore"};
    for (int i = 0; i < 5; i++) {
        if (!strcmp(img, order[i])) {
            return i;
        }
    }
    return 5;
}

/* Sort key of finding i: group severity, image rank, image name, own
 * severity, check. */
static int before(const struct fk_doc_finding *a, int ga, const struct fk_doc_finding *b, int gb)
{
    if (strcmp(a->image, b->image) != 0) {
        if (ga != gb) {
            return ga > gb;
        }
        int ra = img_rank(a->image), rb = img_rank(b->image);
        return ra != rb ? ra < rb : strcmp(a->image, b->image) < 0;
    }
    if (a->sev != b->sev) {
        return a->sev > b->sev;
    }
    return a->check < b->check;
}

void doc_sort(struct fk_doc_report *r)
{
    int group[FK_DOC_MAX_FINDINGS];
    for (unsigned i = 0; i < r->count; i++) {
        group[i] = -1;
        for (unsigned k = 0; k < r->count; k++) {
            if (!strcmp(r->f[k].image, r->f[i].image) && (int)r->f[k].sev > group[i]) {
                group[i] = (int)r->f[k].sev;
            }
        }
    }
    /* insertion sort: stable, n <= 64 */
    for (unsigned i = 1; i < r->count; i++) {
        struct fk_doc_finding t = r->f[i];
        int tg = group[i];
        unsigned k = i;
        while (k > 0 && before(&t, tg, &r->f[k - 1], group[k - 1])) {
            r->f[k] = r->f[k - 1];
            group[k] = group[k - 1];
            k--;
        }
        r->f[k] = t;
        group[k] = tg;
    }
}
