/* Progress bar and file reading for `fotakit smp` and `fotakit demo`. */
#include "cli_smp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void fk_cli_progress_init(struct fk_cli_progress *p, bool tty)
{
    memset(p, 0, sizeof *p);
    p->tty = tty;
    p->t0 = now_s();
}

static void draw(struct fk_cli_progress *p, double t)
{
    const int width = 30;
    double frac = p->total ? (double)p->done / p->total : 0;
    int fill = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++) {
        bar[i] = i < fill ? '#' : '.';
    }
    bar[width] = 0;
    double el = t - p->t0;
    double rate = el > 0 ? (p->done - p->first_done) / el : 0;
    double eta = rate > 0 ? (p->total - p->done) / rate : 0;
    printf("\r[%s] %3d%% %7u/%u  %6.1f kB/s  ETA %3.0fs ", bar, (int)(frac * 100), p->done, p->total,
           rate / 1000, eta);
    fflush(stdout);
    p->last_draw = t;
}

void fk_cli_progress_cb(void *arg, uint32_t done, uint32_t total)
{
    struct fk_cli_progress *p = arg;
    if (!p->started) {
        p->started = true;
        p->first_done = done;
    }
    p->done = done;
    p->total = total;
    if (!p->tty) {
        return;
    }
    double t = now_s();
    if (t - p->last_draw >= 0.1 || done == total) {
        draw(p, t);
    }
}

void fk_cli_progress_end(struct fk_cli_progress *p)
{
    if (p->tty && p->started) {
        draw(p, now_s());
        printf("\n");
    }
}

uint8_t *fk_cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fotakit: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) {
            break;
        }
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    bool err = ferror(f);
    fclose(f);
    if (!buf || err) {
        fprintf(stderr, "fotakit: cannot read %s\n", path);
        free(buf);
        return NULL;
    }
    if (n == 0) {
        fprintf(stderr, "fotakit: %s is empty\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
