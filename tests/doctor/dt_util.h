/* Helpers of the doctor tests: run the CLI, build constructed cases from
 * copies of the shared NCS builds, look findings up. */
#ifndef DT_UTIL_H
#define DT_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "fotakit/host/doctor.h"

#define NCS FOTAKIT_SHARED_DIR "/ncs-builds/"
#define CASES FOTAKIT_BINARY_DIR "/tests/doctor/cases/"

static char out[1 << 17], errout[1 << 14];

static __attribute__((unused)) void slurp(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return;
    }
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Run `fotakit doctor` with args (shell-quoted); stdout/stderr into out/errout. */
static __attribute__((unused)) int cli(const char *args)
{
    char cmd[4096];
    mkdir(CASES, 0777);
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s" DT_TAG ".stdout' 2>'%s" DT_TAG ".stderr'",
             FK_DOCTOR_CLI, args, CASES, CASES);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    slurp(CASES DT_TAG ".stdout", out, sizeof out);
    slurp(CASES DT_TAG ".stderr", errout, sizeof errout);
    return WEXITSTATUS(st);
}

#define assert_has(hay, needle)                                                                \
    do {                                                                                       \
        if (strstr((hay), (needle)) == NULL) {                                                 \
            print_error("missing: %s\n--- in ---\n%.3000s\n", (needle), (hay));               \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

#define assert_lacks(hay, needle)                                                              \
    do {                                                                                       \
        if (strstr((hay), (needle)) != NULL) {                                                 \
            print_error("unexpected: %s\n", (needle));                                        \
            fail();                                                                            \
        }                                                                                      \
    } while (0)

static __attribute__((unused)) void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A fresh copy of shared build `from` as case `name`; returns its path. */
static __attribute__((unused)) const char *make_case(const char *name, const char *from)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s%s", CASES, name);
    mkdir(CASES, 0777);
    sh("rm -rf '%s' && cp -r '%s%s' '%s' && chmod -R u+w '%s'", path, NCS, from, path, path);
    return path;
}

static __attribute__((unused)) void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Replace the one occurrence of `old` in dir/rel with `new`. */
static __attribute__((unused)) void edit(const char *dir, const char *rel, const char *old, const char *new)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    char *at = strstr(b, old);
    if (at == NULL || strstr(at + 1, old) != NULL) {
        print_error("%s: '%s' found %s\n", p, old, at ? "twice" : "nowhere");
        free(b);
        fail();
    }
    f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(b, 1, (size_t)(at - b), f);
    fputs(new, f);
    fputs(at + strlen(old), f);
    fclose(f);
    free(b);
}

/* Append text to dir/rel. */
static __attribute__((unused)) void append(const char *dir, const char *rel, const char *text)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "ab");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static struct fk_doc_report rep;

/* Run the library on a build; asserts it could read it. */
static __attribute__((unused)) void doctor(const char *build, const char *source)
{
    char err[FK_DOC_ERR_LEN];
    int rc = fk_doctor_run(build, source, &rep, err, sizeof err);
    if (rc != FK_OK) {
        print_error("%s: %s\n", build, err);
        fail();
    }
}

/* The finding with this id and image ("" = any), or NULL. */
static __attribute__((unused)) const struct fk_doc_finding *find(const char *id, const char *image)
{
    for (unsigned i = 0; i < rep.count; i++) {
        if (!strcmp(rep.f[i].id, id) && (!image[0] || !strcmp(rep.f[i].image, image))) {
            return &rep.f[i];
        }
    }
    return NULL;
}

static __attribute__((unused)) const struct fk_doc_finding *must(const char *id, const char *image,
                                         enum fk_doc_sev sev, unsigned check)
{
    const struct fk_doc_finding *f = find(id, image);
    if (f == NULL) {
        print_error("no finding %s for image '%s'; have:\n", id, image);
        for (unsigned i = 0; i < rep.count; i++) {
            print_error("  %s %s %s\n", rep.f[i].image, fk_doctor_sev_name(rep.f[i].sev),
                        rep.f[i].id);
        }
        fail();
    }
    assert_int_equal(f->sev, sev);
    assert_int_equal(f->check, check);
    return f;
}

/* Some evidence line of f contains s. */
static __attribute__((unused)) void assert_evid(const struct fk_doc_finding *f, const char *s)
{
    for (unsigned i = 0; i < f->nevid; i++) {
        if (strstr(f->evid[i], s)) {
            return;
        }
    }
    print_error("no evidence '%s' in %s:\n", s, f->id);
    for (unsigned i = 0; i < f->nevid; i++) {
        print_error("  %s\n", f->evid[i]);
    }
    fail();
}

#endif
