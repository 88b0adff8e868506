/* fk_device_serve in a thread, for in-process use (demo, tests, benches). */
#include "device_priv.h"

#include <stdlib.h>

struct fk_device_thread {
    pthread_t th;
    struct fk_device *d;
    struct fk_device_run *run;
    volatile sig_atomic_t stop;
    pthread_mutex_t m;
    pthread_cond_t cv;
    bool ready, finished;
    int rc;
    void (*user_ready)(void *, struct fk_device_run *);
    void *user_arg;
};

static void on_ready(void *arg, struct fk_device_run *run)
{
    struct fk_device_thread *t = arg;
    if (t->user_ready) {
        t->user_ready(t->user_arg, run);
    }
    pthread_mutex_lock(&t->m);
    t->ready = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->m);
}

static void *main_fn(void *arg)
{
    struct fk_device_thread *t = arg;
    int rc = fk_device_serve(t->d, t->run);
    pthread_mutex_lock(&t->m);
    t->rc = rc;
    t->finished = true;
    pthread_cond_broadcast(&t->cv);
    pthread_mutex_unlock(&t->m);
    return NULL;
}

int fk_device_spawn(struct fk_device *d, struct fk_device_run *run, struct fk_device_thread **out)
{
    struct fk_device_thread *t = calloc(1, sizeof *t);
    if (!t) {
        return FK_ENOMEM;
    }
    t->d = d;
    t->run = run;
    pthread_mutex_init(&t->m, NULL);
    pthread_cond_init(&t->cv, NULL);
    if (!run->stop) {
        run->stop = &t->stop;
    }
    t->user_ready = run->ready;
    t->user_arg = run->ready_arg;
    run->ready = on_ready;
    run->ready_arg = t;
    if (pthread_create(&t->th, NULL, main_fn, t) != 0) {
        free(t);
        return FK_ENOMEM;
    }
    pthread_mutex_lock(&t->m);
    while (!t->ready && !t->finished) {
        pthread_cond_wait(&t->cv, &t->m);
    }
    bool ok = t->ready;
    pthread_mutex_unlock(&t->m);
    if (!ok) {
        int rc = fk_device_join(t);
        return rc ? rc : FK_EIO;
    }
    *out = t;
    return 0;
}

int fk_device_join(struct fk_device_thread *t)
{
    *t->run->stop = 1;
    pthread_join(t->th, NULL);
    int rc = t->rc;
    t->run->ready = t->user_ready;
    t->run->ready_arg = t->user_arg;
    if (t->run->stop == &t->stop) {
        t->run->stop = NULL;
    }
    pthread_mutex_destroy(&t->m);
    pthread_cond_destroy(&t->cv);
    free(t);
    return rc;
}
