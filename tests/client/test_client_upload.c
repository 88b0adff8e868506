/*
 * The client's pipelined upload against an in-process mock link + mock
 * image-upload handler (Zephyr's offset rules: a chunk at the expected
 * offset is written, anything else answered with the expected offset; the
 * first chunk with a known sha resumes). The link drops, duplicates and
 * reorders packets on a fixed schedule, so the client's rewind, retransmit
 * and resume logic is exercised deterministically and independently of the
 * real server (the end-to-end tests use that one).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fotakit/host/client.h"
#include "fotakit/err.h"

#include <cbor.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QMAX 64

struct mock {
    struct fk_client_tp tp;
    /* server */
    uint8_t store[65536];
    uint32_t expected, total;
    uint8_t sha[32];
    bool have_sha;
    int refuse_rc; /* answer the first chunk with {err:{group 1, rc}} */
    /* link */
    unsigned nreq;
    unsigned drop_every;    /* drop request k when k % drop_every == 0 */
    unsigned dup_every;     /* answer request twice */
    bool swap_pairs;        /* deliver answers in swapped pairs */
    uint8_t q[QMAX][512];
    size_t qlen[QMAX];
    unsigned qh, qn;
    unsigned writes;
    unsigned other; /* requests to other groups */
    int first_image; /* "image" of the last first chunk (-1: absent) */
    /* a device that erases before answering: the next `slow_left` answers
     * take slow_ms; a client waiting less gives up (the answer is lost) */
    int slow_ms;
    unsigned slow_left;
    unsigned erases; /* image erase requests */
};

static void push(struct mock *m, const uint8_t *p, size_t n)
{
    assert_true(m->qn < QMAX);
    unsigned i = (m->qh + m->qn++) % QMAX;
    memcpy(m->q[i], p, n);
    m->qlen[i] = n;
}

static cbor_item_t *get(cbor_item_t *map, const char *k)
{
    struct cbor_pair *p = cbor_map_handle(map);
    for (size_t i = 0; i < cbor_map_size(map); i++) {
        if (cbor_string_length(p[i].key) == strlen(k) && !memcmp(cbor_string_handle(p[i].key), k, strlen(k))) {
            return p[i].value;
        }
    }
    return NULL;
}

static size_t answer(struct mock *m, const uint8_t *req, size_t len, uint8_t *out)
{
    if ((req[4] << 8 | req[5]) != 1) {
        /* not the image group (the client asking for an error's reason):
         * answered as Zephyr does, {"rc": 8} (MGMT_ERR_ENOTSUP) */
        static const uint8_t notsup[] = {0xa1, 0x62, 'r', 'c', 0x08};
        m->other++;
        memcpy(out, req, 8);
        out[0] = (uint8_t)((req[0] & ~7) | ((req[0] & 7) + 1));
        out[2] = 0;
        out[3] = sizeof notsup;
        memcpy(out + 8, notsup, sizeof notsup);
        return 8 + sizeof notsup;
    }
    if (req[7] == 5) { /* image erase: {"rc": 0} when done */
        static const uint8_t ok0[] = {0xa1, 0x62, 'r', 'c', 0x00};
        m->erases++;
        memcpy(out, req, 8);
        out[0] = (uint8_t)((req[0] & ~7) | 3);
        out[2] = 0;
        out[3] = sizeof ok0;
        memcpy(out + 8, ok0, sizeof ok0);
        return 8 + sizeof ok0;
    }
    struct cbor_load_result lr;
    cbor_item_t *r = cbor_load(req + 8, len - 8, &lr);
    assert_non_null(r);
    cbor_item_t *off_i = get(r, "off"), *data = get(r, "data");
    assert_non_null(off_i);
    assert_non_null(data);
    uint32_t off = (uint32_t)cbor_get_int(off_i);
    cbor_item_t *rsp = cbor_new_definite_map(3);
    if (off == 0) {
        cbor_item_t *sha = get(r, "sha"), *l = get(r, "len");
        assert_non_null(sha);
        assert_non_null(l);
        cbor_item_t *im = get(r, "image");
        m->first_image = im ? (int)cbor_get_int(im) : -1;
        if (m->refuse_rc) {
            cbor_item_t *e = cbor_new_definite_map(2);
            cbor_map_add(e, (struct cbor_pair){cbor_move(cbor_build_string("group")), cbor_move(cbor_build_uint8(1))});
            cbor_map_add(e, (struct cbor_pair){cbor_move(cbor_build_string("rc")),
                                               cbor_move(cbor_build_uint8((uint8_t)m->refuse_rc))});
            cbor_map_add(rsp, (struct cbor_pair){cbor_move(cbor_build_string("err")), cbor_move(e)});
            goto send;
        }
        if (!(m->have_sha && !memcmp(m->sha, cbor_bytestring_handle(sha), 32) && m->expected > 0)) {
            memcpy(m->sha, cbor_bytestring_handle(sha), 32);
            m->have_sha = true;
            m->total = (uint32_t)cbor_get_int(l);
            m->expected = 0;
        }
    }
    if (off == m->expected && m->expected < m->total) {
        size_t n = cbor_bytestring_length(data);
        assert_true(off + n <= sizeof m->store);
        memcpy(m->store + off, cbor_bytestring_handle(data), n);
        m->expected += (uint32_t)n;
        m->writes++;
    }
    cbor_map_add(rsp, (struct cbor_pair){cbor_move(cbor_build_string("rc")), cbor_move(cbor_build_uint8(0))});
    cbor_map_add(rsp, (struct cbor_pair){cbor_move(cbor_build_string("off")), cbor_move(cbor_build_uint32(m->expected))});
    if (m->expected == m->total) {
        cbor_map_add(rsp, (struct cbor_pair){cbor_move(cbor_build_string("match")), cbor_move(cbor_build_bool(true))});
    }
send:;
    size_t n = cbor_serialize(rsp, out + 8, 400);
    assert_true(n > 0);
    memcpy(out, req, 8);
    out[0] = (uint8_t)((req[0] & ~7) | 3);
    out[2] = (uint8_t)(n >> 8);
    out[3] = (uint8_t)n;
    cbor_decref(&rsp);
    cbor_decref(&r);
    return n + 8;
}

static int m_send(struct fk_client_tp *tp, const uint8_t *p, size_t n)
{
    struct mock *m = (struct mock *)tp;
    m->nreq++;
    tp->tx_wire += n;
    if (m->drop_every && m->nreq % m->drop_every == 0) {
        return 0;
    }
    uint8_t out[512];
    size_t o = answer(m, p, n, out);
    push(m, out, o);
    if (m->dup_every && m->nreq % m->dup_every == 0) {
        push(m, out, o);
    }
    return 0;
}

static int m_recv(struct fk_client_tp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct mock *m = (struct mock *)tp;
    if (!m->qn) {
        return 0; /* timeout, immediately */
    }
    unsigned i = m->qh;
    if (m->slow_left) {
        if (timeout_ms < m->slow_ms) {
            usleep((useconds_t)timeout_ms * 1000); /* the client waits in vain */
            m->qh = (m->qh + 1) % QMAX;
            m->qn--;
            return 0;
        }
        m->slow_left--;
    }
    if (m->swap_pairs && m->qn >= 2 && (m->nreq & 1)) {
        /* deliver the second queued answer first */
        unsigned j = (m->qh + 1) % QMAX;
        uint8_t t[512];
        size_t tl = m->qlen[j];
        memcpy(t, m->q[j], tl);
        memcpy(m->q[j], m->q[i], m->qlen[i]);
        m->qlen[j] = m->qlen[i];
        memcpy(m->q[i], t, tl);
        m->qlen[i] = tl;
    }
    assert_true(m->qlen[i] <= cap);
    memcpy(buf, m->q[i], m->qlen[i]);
    m->qh = (m->qh + 1) % QMAX;
    m->qn--;
    tp->rx_wire += m->qlen[i];
    return (int)m->qlen[i];
}

static void m_close(struct fk_client_tp *tp)
{
    (void)tp;
}

static struct mock *mock_new(void)
{
    struct mock *m = calloc(1, sizeof *m);
    m->tp.send = m_send;
    m->tp.recv = m_recv;
    m->tp.close = m_close;
    m->tp.kind = "mock";
    return m;
}

static uint8_t img[20000];
static unsigned g_image; /* the image run_upload sends to */

static void fill_img(void)
{
    for (size_t i = 0; i < sizeof img; i++) {
        img[i] = (uint8_t)(i * 7 + (i >> 8));
    }
}

static void run_upload(struct mock *m, unsigned window, unsigned chunk, struct fk_client_upload_stats *s,
                       uint32_t stop_after)
{
    struct fk_client c;
    fk_client_init(&c, &m->tp);
    c.retries = 3;
    struct fk_client_upload_opts o = {.window = window, .chunk = chunk, .stop_after = stop_after,
                                      .image = g_image};
    struct fk_client_status st;
    assert_int_equal(fk_client_upload(&c, img, sizeof img, &o, s, &st), 0);
    assert_false(fk_client_status_failed(&st));
}

static void test_clean_link(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    struct fk_client_upload_stats s;
    run_upload(m, 4, 256, &s, 0);
    assert_int_equal(s.done, sizeof img);
    assert_memory_equal(m->store, img, sizeof img);
    assert_int_equal(s.rewinds, 0);
    assert_int_equal(s.match, 1);
    assert_int_equal(m->writes, (sizeof img + 255) / 256);
    free(m);
}

/* `image upload --image 1`: the first chunk names image 1, the data is the same */
static void test_image_one(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    struct fk_client_upload_stats s;
    g_image = 1;
    run_upload(m, 4, 512, &s, 0);
    g_image = 0;
    assert_int_equal(m->first_image, 1);
    assert_int_equal(s.done, sizeof img);
    assert_memory_equal(m->store, img, sizeof img);
    run_upload(m, 4, 512, &s, 0); /* a new upload of the same file names image 0 again */
    assert_int_equal(m->first_image, 0);
    free(m);
}

static void test_lossy_link(void **state)
{
    (void)state;
    fill_img();
    for (unsigned drop = 3; drop <= 11; drop += 4) {
        struct mock *m = mock_new();
        m->drop_every = drop;
        struct fk_client_upload_stats s;
        run_upload(m, 5, 200, &s, 0);
        assert_int_equal(s.done, sizeof img);
        assert_memory_equal(m->store, img, sizeof img);
        assert_true(s.retransmits + s.rewinds > 0);
        free(m);
    }
}

static void test_dup_and_reorder(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    m->dup_every = 4;
    m->swap_pairs = true;
    struct fk_client_upload_stats s;
    run_upload(m, 4, 300, &s, 0);
    assert_int_equal(s.done, sizeof img);
    assert_memory_equal(m->store, img, sizeof img);
    free(m);
}

static void test_resume(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    struct fk_client_upload_stats s;
    run_upload(m, 1, 512, &s, 6000);
    assert_true(s.done >= 6000 && s.done < sizeof img);
    uint32_t had = m->expected;
    m->qn = 0; /* whatever was in flight is lost with the link */
    unsigned w0 = m->writes;
    run_upload(m, 3, 512, &s, 0);
    assert_int_equal(s.resumed_at, had);
    assert_int_equal(s.done, sizeof img);
    assert_memory_equal(m->store, img, sizeof img);
    /* only the missing part was sent again */
    assert_int_equal(m->writes - w0, (sizeof img - had + 511) / 512);
    free(m);
}

static void test_refusal(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    m->refuse_rc = 23;
    struct fk_client c;
    fk_client_init(&c, &m->tp);
    struct fk_client_upload_opts o = {.window = 4, .chunk = 256};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    assert_int_equal(fk_client_upload(&c, img, sizeof img, &o, &s, &st), 0);
    assert_true(fk_client_status_failed(&st));
    assert_int_equal(st.group, 1);
    assert_int_equal(st.group_rc, 23);
    assert_int_equal(s.requests, 1); /* the first chunk went alone */
    /* a v2 error without a reason: the client asked once; this device (like
     * Zephyr) does not know the question, and the status stays as it was */
    assert_int_equal(m->other, 1);
    assert_string_equal(st.rsn, "");
    assert_int_equal(st.rc, 0);
    free(m);
}

static void test_dead_link_bounded(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    m->drop_every = 1;
    struct fk_client c;
    fk_client_init(&c, &m->tp);
    c.retries = 2;
    struct fk_client_upload_opts o = {.window = 4, .chunk = 256};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    assert_int_equal(fk_client_upload(&c, img, sizeof img, &o, &s, &st), FK_ETIMEDOUT);
    assert_int_equal(m->nreq, 3);
    free(m);
}

/* A device that answers the first chunk only after erasing (3.2 s, the
 * seed's clean-slot erase): the client waits slow_timeout_ms for it instead
 * of giving up after timeout_ms and retransmitting. */
static void test_slow_first_chunk(void **state)
{
    (void)state;
    fill_img();
    struct mock *m = mock_new();
    m->slow_ms = 3200;
    m->slow_left = 1;
    struct fk_client c;
    fk_client_init(&c, &m->tp);
    c.timeout_ms = 20;
    c.retries = 2;
    struct fk_client_upload_opts o = {.window = 4, .chunk = 256};
    struct fk_client_upload_stats s;
    struct fk_client_status st;
    assert_int_equal(fk_client_upload(&c, img, sizeof img, &o, &s, &st), 0);
    assert_int_equal(s.retransmits, 0);
    assert_int_equal(m->nreq, (sizeof img + 255) / 256);
    assert_memory_equal(m->store, img, sizeof img);
    /* a slow timeout below the device's erase time: bounded, then gives up */
    free(m);
    m = mock_new();
    m->slow_ms = 3200;
    m->slow_left = 1;
    fk_client_init(&c, &m->tp);
    c.timeout_ms = 20;
    c.slow_timeout_ms = 30;
    c.retries = 2;
    assert_int_equal(fk_client_upload(&c, img, sizeof img, &o, &s, &st), FK_ETIMEDOUT);
    assert_int_equal(m->nreq, 3);
    free(m);
}

/* image erase: one request, answered when the erase is done (3.2 s here),
 * not retransmitted every timeout_ms (which would queue more erases). */
static void test_slow_erase(void **state)
{
    (void)state;
    struct mock *m = mock_new();
    m->slow_ms = 3200;
    m->slow_left = 1;
    struct fk_client c;
    fk_client_init(&c, &m->tp);
    c.timeout_ms = 20;
    struct fk_client_status st;
    assert_int_equal(fk_client_image_erase(&c, -1, &st), 0);
    assert_false(fk_client_status_failed(&st));
    assert_int_equal(m->erases, 1);
    assert_int_equal(c.timeout_ms, 20); /* restored */
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_link),       cmocka_unit_test(test_image_one),       cmocka_unit_test(test_lossy_link),
        cmocka_unit_test(test_dup_and_reorder),  cmocka_unit_test(test_resume),
        cmocka_unit_test(test_refusal),          cmocka_unit_test(test_dead_link_bounded),
        cmocka_unit_test(test_slow_first_chunk), cmocka_unit_test(test_slow_erase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
