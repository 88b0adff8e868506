/*
 * Devicetree reader: Debian's dtc compiles zephyr.dts to a flattened blob
 * (libfdt reads it) and, in a second run, to dtc's canonical source with
 * `-T` annotations, from which only the line numbers are taken.
 */
#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "doctor_priv.h"

struct fk_dts_line {
    char *path;
    char *prop; /* NULL: the node itself */
    unsigned line;
};

#define DTC_TIMEOUT_MS 20000

void fk_doctor_dts_free(struct fk_dts *d)
{
    free(d->blob);
    for (size_t i = 0; i < d->nlines; i++) {
        free(d->lines[i].path);
        free(d->lines[i].prop);
    }
    free(d->lines);
    d->blob = NULL;
    d->lines = NULL;
    d->nlines = 0;
    d->blob_len = 0;
}

static int derr(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int derr(char *err, size_t errlen, int code, const char *fmt, ...)
{
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Run dtc with argv; stderr into errpath. 0: exit 0; 1: dtc failed; -1: could not run. */
static int run_dtc(char *const argv[], const char *errpath)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int nul = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 2);
        }
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    for (int waited = 0;; waited += 5) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            return -1;
        }
        if (waited >= DTC_TIMEOUT_MS) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 1;
        }
        struct timespec ts = {0, 5 * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        return -1;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* First line of dtc's stderr that says Error/FATAL (else its first line). */
static void dtc_message(const char *errpath, char *out, size_t len)
{
    char *buf = NULL;
    size_t n = 0;
    out[0] = '\0';
    if (fk_doc_read_file(errpath, &buf, &n, NULL, 0) < 0) {
        return;
    }
    const char *pick = NULL;
    for (char *l = buf; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl) {
            *nl = '\0';
        }
        if (!pick && *l) {
            pick = l;
        }
        if (strstr(l, "Error") || strstr(l, "ERROR")) {
            pick = l;
            break;
        }
        l = nl ? nl + 1 : NULL;
    }
    snprintf(out, len, "%s", pick ? pick : "");
    free(buf);
}

static int cmp_line(const void *a, const void *b)
{
    const struct fk_dts_line *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c) {
        return c;
    }
    if (!x->prop || !y->prop) {
        return (x->prop != NULL) - (y->prop != NULL);
    }
    return strcmp(x->prop, y->prop);
}

/* Build the (path, prop) -> line map from dtc's annotated output: dtc
 * writes one node header, property or closing brace per line, each ending
 * in a comment naming its input position. */
static int build_lines(struct fk_dts *d, char *ann)
{
    char stack[64][256];
    int depth = -1;
    size_t cap = 0;
    for (char *l = ann; l && *l;) {
        char *nl = strchr(l, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *next = nl ? nl + 1 : NULL;
        while (*l == '\t' || *l == ' ') {
            l++;
        }
        unsigned line = 0;
        char *c = strstr(l, " /* ");
        if (c) {
            char *colon = strrchr(c, ':');
            if (colon) {
                line = (unsigned)strtoul(colon + 1, NULL, 10);
            }
            *c = '\0';
        }
        size_t n = strlen(l);
        char *prop = NULL;
        char path[256];
        if (n >= 2 && strcmp(l + n - 2, "};") == 0 && n == 2) {
            if (depth >= 0) {
                depth--;
            }
            l = next;
            continue;
        } else if (n >= 1 && l[n - 1] == '{') {
            l[n - 1] = '\0';
            char *nm = l;
            char *lab;
            while ((lab = strstr(nm, ": ")) != NULL) {
                nm = lab + 2;
            }
            size_t nml = strlen(nm);
            while (nml && nm[nml - 1] == ' ') {
                nm[--nml] = '\0';
            }
            if (depth + 1 >= 64) {
                return -1;
            }
            if (depth < 0 || strcmp(nm, "/") == 0) {
                snprintf(path, sizeof path, "/");
            } else {
                snprintf(path, sizeof path, "%s%s%s", stack[depth],
                         strcmp(stack[depth], "/") ? "/" : "", nm);
            }
            depth++;
            snprintf(stack[depth], sizeof stack[depth], "%s", path);
        } else if (depth >= 0 && n >= 1 && l[n - 1] == ';' && l[0] != '/') {
            size_t k = 0;
            while (l[k] && l[k] != ' ' && l[k] != ';' && l[k] != '=') {
                k++;
            }
            l[k] = '\0';
            prop = l;
            snprintf(path, sizeof path, "%s", stack[depth]);
        } else {
            l = next;
            continue;
        }
        if (line) {
            if (d->nlines == cap) {
                cap = cap ? cap * 2 : 1024;
                struct fk_dts_line *nlp = realloc(d->lines, cap * sizeof *nlp);
                if (!nlp) {
                    return -1;
                }
                d->lines = nlp;
            }
            struct fk_dts_line *e = &d->lines[d->nlines];
            e->path = strdup(path);
            e->prop = prop ? strdup(prop) : NULL;
            e->line = line;
            if (!e->path || (prop && !e->prop)) {
                free(e->path);
                free(e->prop);
                return -1;
            }
            d->nlines++;
        }
        l = next;
    }
    if (d->nlines) {
        qsort(d->lines, d->nlines, sizeof *d->lines, cmp_line);
    }
    return 0;
}

unsigned fk_dts_line(const struct fk_dts *d, const char *path, const char *prop)
{
    if (!d->lines) {
        return 0;
    }
    struct fk_dts_line key = {.path = (char *)path, .prop = (char *)prop};
    const struct fk_dts_line *e = bsearch(&key, d->lines, d->nlines, sizeof key, cmp_line);
    return e ? e->line : 0;
}

static int check_blob(const char *name, struct fk_dts *out, char *err, size_t errlen)
{
    if (out->blob_len < sizeof(struct fdt_header) || fdt_magic(out->blob) != FDT_MAGIC) {
        return derr(err, errlen, FK_EINVAL, "%s: not a flattened devicetree (bad magic)", name);
    }
    int rc = fdt_check_full(out->blob, out->blob_len);
    if (rc != 0) {
        return derr(err, errlen, FK_EINVAL, "%s: the devicetree blob is damaged: %s", name,
                    fdt_strerror(rc));
    }
    return FK_OK;
}

int fk_doctor_dtb_parse(const char *name, const void *buf, size_t len, struct fk_dts *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    name = name ? name : "<dtb>";
    snprintf(out->path, sizeof out->path, "%s", name);
    if (len > FK_DOC_MAX_FILE) {
        return derr(err, errlen, FK_EINVAL, "%s: %zu bytes: larger than fotakit reads", name, len);
    }
    out->blob = malloc(len ? len : 1);
    if (!out->blob) {
        return derr(err, errlen, FK_ENOMEM, "%s: out of memory", name);
    }
    memcpy(out->blob, buf, len);
    out->blob_len = len;
    int rc = check_blob(name, out, err, errlen);
    if (rc < 0) {
        fk_doctor_dts_free(out);
    }
    return rc;
}

/* Remove the temporary files and folder. */
static void cleanup(const char *dir)
{
    static const char *const files[] = {"in.dts", "out.dtb", "out.ann", "dtc.err"};
    char p[600];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int compile(const char *name, const char *dir, struct fk_dts *out, char *err,
                   size_t errlen)
{
    char in[600], dtb[600], ann[600], ep[600], msg[400];
    snprintf(in, sizeof in, "%s/in.dts", dir);
    snprintf(dtb, sizeof dtb, "%s/out.dtb", dir);
    snprintf(ann, sizeof ann, "%s/out.ann", dir);
    snprintf(ep, sizeof ep, "%s/dtc.err", dir);
    char *a1[] = {"dtc", "-q", "-I", "dts", "-O", "dtb", "-@", "-o", dtb, in, NULL};
    int rc = run_dtc(a1, ep);
    if (rc < 0) {
        return derr(err, errlen, FK_EIO,
                    "%s: cannot run dtc, the devicetree compiler fotakit doctor reads zephyr.dts "
                    "with; install Debian's device-tree-compiler (scripts/deps)",
                    name);
    }
    if (rc > 0) {
        dtc_message(ep, msg, sizeof msg);
        const char *m = msg;
        if (strncmp(m, "Error: ", 7) == 0) {
            m += 7;
        }
        if (strncmp(m, dir, strlen(dir)) == 0) {
            m += strlen(dir) + 1 + strlen("in.dts");
        }
        return derr(err, errlen, FK_EINVAL,
                    "%s%s: dtc cannot compile it%s%s: not a complete devicetree (is the file "
                    "truncated? rebuild the image to regenerate it)",
                    name, m[0] == ':' ? m : "", m[0] && m[0] != ':' ? ": " : "",
                    m[0] && m[0] != ':' ? m : "");
    }
    char *b;
    size_t bl;
    rc = fk_doc_read_file(dtb, &b, &bl, err, errlen);
    if (rc < 0) {
        return rc;
    }
    out->blob = b;
    out->blob_len = bl;
    rc = check_blob(name, out, err, errlen);
    if (rc < 0) {
        return rc;
    }
    if (fdt_path_offset(out->blob, "/") < 0 || fdt_first_subnode(out->blob, 0) < 0) {
        return derr(err, errlen, FK_EINVAL,
                    "%s: the devicetree has no nodes: not a Zephyr zephyr.dts", name);
    }
    char *a2[] = {"dtc", "-q", "-I", "dts", "-O", "dts", "-T", "-o", ann, in, NULL};
    if (run_dtc(a2, ep) == 0) {
        char *t;
        size_t tl;
        if (fk_doc_read_file(ann, &t, &tl, NULL, 0) == 0) {
            if (build_lines(out, t) < 0) {
                free(t);
                return derr(err, errlen, FK_ENOMEM, "%s: out of memory (line map)", name);
            }
            free(t);
        }
    }
    return FK_OK;
}

int fk_doctor_dts_parse(const char *name, const void *buf, size_t len, struct fk_dts *out,
                        char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    name = name ? name : "<zephyr.dts>";
    snprintf(out->path, sizeof out->path, "%s", name);
    if (len == 0) {
        return derr(err, errlen, FK_EINVAL,
                    "%s: the file is empty: a zephyr.dts holds the image's final devicetree; "
                    "rebuild the image to regenerate it",
                    name);
    }
    if (len > FK_DOC_MAX_FILE) {
        return derr(err, errlen, FK_EINVAL, "%s: %zu bytes: larger than fotakit reads", name, len);
    }
    if (memchr(buf, '\0', len)) {
        return derr(err, errlen, FK_EINVAL, "%s: binary data (a NUL byte): not devicetree source",
                    name);
    }
    const char *tmp = getenv("TMPDIR");
    char dir[520];
    snprintf(dir, sizeof dir, "%s/fk-doctor-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        return derr(err, errlen, FK_EIO, "%s: cannot create a temporary folder in %s: %s", name,
                    tmp && *tmp ? tmp : "/tmp", strerror(errno));
    }
    char in[600];
    snprintf(in, sizeof in, "%s/in.dts", dir);
    FILE *f = fopen(in, "wb");
    int rc;
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        rc = derr(err, errlen, FK_EIO, "%s: cannot write the temporary copy %s", name, in);
    } else {
        rc = compile(name, dir, out, err, errlen);
    }
    cleanup(dir);
    if (rc < 0) {
        fk_doctor_dts_free(out);
    }
    return rc;
}

int fk_doctor_dts_load(const char *path, struct fk_dts *out, char *err, size_t errlen)
{
    char *buf;
    size_t len;
    memset(out, 0, sizeof *out);
    int rc = fk_doc_read_file(path, &buf, &len, err, errlen);
    if (rc < 0) {
        return rc;
    }
    rc = fk_doctor_dts_parse(path, buf, len, out, err, errlen);
    free(buf);
    return rc;
}

/* ---- queries ---------------------------------------------------------- */

static bool node_okay(const void *fdt, int node)
{
    int len;
    const char *s = fdt_getprop(fdt, node, "status", &len);
    return !s || len <= 0 || strncmp(s, "okay", (size_t)len) == 0 || strncmp(s, "ok", (size_t)len) == 0;
}

static void first_string(const void *fdt, int node, const char *prop, char *out, size_t len)
{
    int l;
    const char *s = fdt_getprop(fdt, node, prop, &l);
    out[0] = '\0';
    if (s && l > 0 && memchr(s, '\0', (size_t)l)) {
        snprintf(out, len, "%s", s);
    }
}

/* Node label from /__symbols__ (dtc -@), else the legacy `label` property. */
static void node_label(const void *fdt, int node, const char *path, char *out, size_t len)
{
    out[0] = '\0';
    int sym = fdt_path_offset(fdt, "/__symbols__");
    if (sym >= 0) {
        int p;
        fdt_for_each_property_offset(p, fdt, sym)
        {
            const char *nm;
            int l;
            const char *v = fdt_getprop_by_offset(fdt, p, &nm, &l);
            if (v && l > 0 && memchr(v, '\0', (size_t)l) && strcmp(v, path) == 0) {
                snprintf(out, len, "%s", nm);
                return;
            }
        }
    }
    first_string(fdt, node, "label", out, len);
}

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static bool has_compat(const void *fdt, int node, const char *c)
{
    return fdt_node_check_compatible(fdt, node, c) == 0;
}

int fk_dts_flash_at(const struct fk_dts *d, const char *path, struct fk_dts_flash *out)
{
    memset(out, 0, sizeof *out);
    const void *fdt = d->blob;
    int node = fdt_path_offset(fdt, path);
    if (node < 0) {
        return FK_ENOENT;
    }
    if (fdt_get_path(fdt, node, out->path, sizeof out->path) < 0) {
        snprintf(out->path, sizeof out->path, "%s", path);
    }
    first_string(fdt, node, "compatible", out->compatible, sizeof out->compatible);
    out->okay = node_okay(fdt, node);
    node_label(fdt, node, out->path, out->label, sizeof out->label);
    int l;
    const void *p;
    if (has_compat(fdt, node, "jedec,spi-nor")) {
        out->kind = FK_DTS_FLASH_SPI_NOR;
    } else if (has_compat(fdt, node, "nordic,qspi-nor")) {
        out->kind = FK_DTS_FLASH_QSPI_NOR;
    } else if (has_compat(fdt, node, "soc-nv-flash")) {
        out->kind = FK_DTS_FLASH_SOC;
    } else {
        out->kind = FK_DTS_FLASH_OTHER;
    }
    if (out->kind == FK_DTS_FLASH_SPI_NOR || out->kind == FK_DTS_FLASH_QSPI_NOR) {
        p = fdt_getprop(fdt, node, "size", &l); /* in bits */
        if (p && l == 4) {
            out->size = be32(p) / 8;
        } else if (p && l == 8) {
            out->size = (((uint64_t)be32(p) << 32) | be32((const uint8_t *)p + 4)) / 8;
        }
    } else {
        int parent = fdt_parent_offset(fdt, node);
        int ac = parent >= 0 ? fdt_address_cells(fdt, parent) : 2;
        int sc = parent >= 0 ? fdt_size_cells(fdt, parent) : 1;
        p = fdt_getprop(fdt, node, "reg", &l);
        if (p && ac >= 0 && sc >= 1 && sc <= 2 && l >= (ac + sc) * 4) {
            const uint8_t *s = (const uint8_t *)p + ac * 4;
            out->size = sc == 1 ? be32(s) : ((uint64_t)be32(s) << 32 | be32(s + 4));
        }
    }
    p = fdt_getprop(fdt, node, "erase-block-size", &l);
    if (p && l == 4) {
        out->erase_size = be32(p);
    }
    p = fdt_getprop(fdt, node, "jedec-id", &l);
    if (p && l == 3) {
        memcpy(out->jedec_id, p, 3);
        out->has_jedec_id = true;
    }
    int parent = fdt_parent_offset(fdt, node);
    if (parent > 0 && out->kind != FK_DTS_FLASH_SOC) {
        fdt_get_path(fdt, parent, out->bus_path, sizeof out->bus_path);
        first_string(fdt, parent, "compatible", out->bus_compatible, sizeof out->bus_compatible);
        out->bus_okay = node_okay(fdt, parent);
        node_label(fdt, parent, out->bus_path, out->bus_label, sizeof out->bus_label);
    }
    return FK_OK;
}

const char *fk_dts_chosen(const struct fk_dts *d, const char *prop, char *buf, size_t len)
{
    buf[0] = '\0';
    int ch = fdt_path_offset(d->blob, "/chosen");
    if (ch >= 0) {
        first_string(d->blob, ch, prop, buf, len);
    }
    return buf;
}

size_t fk_dts_flash_all(const struct fk_dts *d, enum fk_dts_flash_kind kind,
                        struct fk_dts_flash *out, size_t max)
{
    const char *c = kind == FK_DTS_FLASH_SPI_NOR    ? "jedec,spi-nor"
                    : kind == FK_DTS_FLASH_QSPI_NOR ? "nordic,qspi-nor"
                                                    : "soc-nv-flash";
    size_t n = 0;
    for (int node = fdt_node_offset_by_compatible(d->blob, -1, c); node >= 0 && n < max;
         node = fdt_node_offset_by_compatible(d->blob, node, c)) {
        char path[160];
        if (fdt_get_path(d->blob, node, path, sizeof path) == 0 &&
            fk_dts_flash_at(d, path, &out[n]) == FK_OK) {
            n++;
        }
    }
    return n;
}

const char *fk_dts_find_label(const struct fk_dts *d, const char *label, char *buf, size_t len)
{
    buf[0] = '\0';
    int sym = fdt_path_offset(d->blob, "/__symbols__");
    if (sym >= 0) {
        int l;
        const char *v = fdt_getprop(d->blob, sym, label, &l);
        if (v && l > 0 && memchr(v, '\0', (size_t)l)) {
            snprintf(buf, len, "%s", v);
            return buf;
        }
    }
    /* legacy `label = "MX25R64"` properties */
    for (int node = fdt_next_node(d->blob, -1, NULL); node >= 0;
         node = fdt_next_node(d->blob, node, NULL)) {
        char lab[64];
        first_string(d->blob, node, "label", lab, sizeof lab);
        if (lab[0] && strcmp(lab, label) == 0) {
            fdt_get_path(d->blob, node, buf, len);
            return buf;
        }
    }
    return buf;
}
