/*
 * The doctor's report: readable text grouped by image (most severe first),
 * and JSON for scripts (docs/doctor.md shows both).
 */
#include <stdio.h>
#include <string.h>

#include "doctor_priv.h"

static void counts(FILE *out, unsigned e, unsigned w, unsigned n)
{
    fprintf(out, "%u error%s, %u warning%s, %u note%s", e, e == 1 ? "" : "s", w,
            w == 1 ? "" : "s", n, n == 1 ? "" : "s");
}

void fk_doctor_print(FILE *out, const struct fk_doc_report *r)
{
    fprintf(out, "fotakit doctor: %s (%s build; Kconfig names: %s)%s%s\n", r->build,
            r->layout_kind, r->era, r->source[0] ? "; sources: " : "", r->source);
    for (unsigned i = 0; i < r->count; i++) {
        const struct fk_doc_finding *f = &r->f[i];
        if (i == 0 || strcmp(f->image, r->f[i - 1].image) != 0) {
            unsigned e = 0, w = 0, n = 0;
            for (unsigned k = i; k < r->count && !strcmp(r->f[k].image, f->image); k++) {
                e += r->f[k].sev == FK_DOC_ERROR;
                w += r->f[k].sev == FK_DOC_WARNING;
                n += r->f[k].sev == FK_DOC_NOTE;
            }
            fprintf(out, "\n%s: ", f->image);
            counts(out, e, w, n);
            fprintf(out, "\n");
        }
        fprintf(out, "  %s [check %u, %s] %s\n", fk_doctor_sev_name(f->sev), f->check, f->id,
                f->msg);
        for (unsigned k = 0; k < f->nevid; k++) {
            fprintf(out, "    %s %s\n", k ? "         " : "evidence:", f->evid[k]);
        }
        if (f->fix_file[0]) {
            fprintf(out, "    fix: add to %s:\n", f->fix_file);
            for (const char *l = f->fix_line; *l;) {
                const char *e = strchr(l, '\n');
                int n = e ? (int)(e - l) : (int)strlen(l);
                fprintf(out, "        %.*s\n", n, l);
                l += n + (e ? 1 : 0);
            }
        }
    }
    if (r->dropped) {
        fprintf(out, "\n(%u more findings not shown)\n", r->dropped);
    }
    fprintf(out, "\nsummary: ");
    counts(out, r->errors, r->warnings, r->notes);
    fprintf(out, "%s\n", r->errors ? ": fix the errors before flashing" : ": no errors");
}

static void jstr(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fprintf(out, "\\%c", ch);
        } else if (ch == '\n') {
            fputs("\\n", out);
        } else if (ch < 0x20) {
            fprintf(out, "\\u%04x", ch);
        } else {
            fputc(ch, out);
        }
    }
    fputc('"', out);
}

void fk_doctor_print_json(FILE *out, const struct fk_doc_report *r)
{
    fputs("{\"build\":", out);
    jstr(out, r->build);
    fputs(",\"source\":", out);
    jstr(out, r->source);
    fputs(",\"layout\":", out);
    jstr(out, r->layout_kind);
    fputs(",\"era\":", out);
    jstr(out, r->era);
    fputs(",\"images\":[", out);
    for (unsigned i = 0; i < r->nimg; i++) {
        fputs(i ? ",{\"name\":" : "{\"name\":", out);
        jstr(out, r->img[i].name);
        fputs(",\"dir\":", out);
        jstr(out, r->img[i].dir);
        fprintf(out, ",\"devicetree\":%s}", r->img[i].has_dts ? "true" : "false");
    }
    fprintf(out, "],\"errors\":%u,\"warnings\":%u,\"notes\":%u,\"dropped\":%u,\"findings\":[",
            r->errors, r->warnings, r->notes, r->dropped);
    for (unsigned i = 0; i < r->count; i++) {
        const struct fk_doc_finding *f = &r->f[i];
        fprintf(out, "%s{\"severity\":\"%s\",\"check\":%u,\"id\":", i ? "," : "",
                fk_doctor_sev_name(f->sev), f->check);
        jstr(out, f->id);
        fputs(",\"image\":", out);
        jstr(out, f->image);
        fputs(",\"message\":", out);
        jstr(out, f->msg);
        fputs(",\"evidence\":[", out);
        for (unsigned k = 0; k < f->nevid; k++) {
            if (k) {
                fputc(',', out);
            }
            jstr(out, f->evid[k]);
        }
        fputs("],\"fix\":", out);
        if (f->fix_file[0]) {
            fputs("{\"file\":", out);
            jstr(out, f->fix_file);
            fputs(",\"add\":", out);
            jstr(out, f->fix_line);
            fputs("}}", out);
        } else {
            fputs("null}", out);
        }
    }
    fputs("]}\n", out);
}
