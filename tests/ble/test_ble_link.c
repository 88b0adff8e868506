/* The BLE link model (fotakit/host/ble_link.h): air times, event packing,
 * and an upload's timeline, against values worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "fotakit/err.h"
#include "fotakit/host/ble_link.h"

static void test_air_times(void **state)
{
    (void)state;
    assert_float_equal(fk_ble_pdu_us(FK_BLE_PHY_1M, 27, false), 296.0, 1e-9);  /* (10+27)*8 */
    assert_float_equal(fk_ble_pdu_us(FK_BLE_PHY_1M, 27, true), 328.0, 1e-9);   /* + MIC */
    assert_float_equal(fk_ble_pdu_us(FK_BLE_PHY_2M, 251, false), 1048.0, 1e-9); /* (11+251)*4 */
    assert_float_equal(fk_ble_pdu_us(FK_BLE_PHY_2M, 0, true), 44.0, 1e-9);     /* empty: no MIC */
    assert_float_equal(fk_ble_pdu_us(FK_BLE_PHY_CODED, 0, false), 720.0, 1e-9);  /* 400 + 5*64 */
    struct fk_ble_link l;
    assert_int_equal(fk_ble_link_profile("phone", &l), 0);
    assert_int_equal(fk_ble_ll_pdus(&l, 498), 2);  /* 502 bytes of L2CAP in 251-byte PDUs */
    assert_int_equal(fk_ble_ll_pdus(&l, 499), 3);
    l.ll_payload = 27;
    assert_int_equal(fk_ble_ll_pdus(&l, 23), 1);
    assert_int_equal(fk_ble_ll_pdus(&l, 24), 2);
    assert_int_equal(fk_ble_link_profile("toaster", &l), FK_ENOENT);
}

static void test_check(void **state)
{
    (void)state;
    struct fk_ble_link l;
    char err[200];
    fk_ble_link_profile("nrf5340dk", &l);
    assert_int_equal(fk_ble_link_check(&l, err, sizeof err), 0);
    l.ll_payload = 252;
    assert_int_equal(fk_ble_link_check(&l, err, sizeof err), FK_EINVAL);
    assert_string_equal(err, "BLE link nrf5340dk: LL payload (DLE) must be 27..251 bytes");
    fk_ble_link_profile("phone", &l);
    l.event_ms = 16;
    assert_int_equal(fk_ble_link_check(&l, err, sizeof err), FK_EINVAL);
    int phy = -1;
    assert_int_equal(fk_ble_phy_parse("coded", &phy), 0);
    assert_int_equal(phy, FK_BLE_PHY_CODED);
    assert_int_equal(fk_ble_phy_parse("3M", &phy), FK_EINVAL);
}

/* Packing: the phone profile takes 6 central PDUs per 15 ms event. */
static void test_sched(void **state)
{
    (void)state;
    struct fk_ble_link l;
    fk_ble_link_profile("phone", &l);
    struct fk_ble_sched *s = malloc(sizeof *s);
    fk_ble_sched_init(s, &l);
    double pair = (1048.0 + 44 + 300) / 1e6;
    /* three 498-byte writes (2 PDUs each) fill event 0 */
    assert_float_equal(fk_ble_sched_c2p(s, 0, 498), 2 * pair, 1e-12);
    assert_float_equal(fk_ble_sched_c2p(s, 0, 498), 4 * pair, 1e-12);
    assert_float_equal(fk_ble_sched_c2p(s, 0, 498), 6 * pair, 1e-12);
    /* the fourth goes in event 1 (t = 15 ms) */
    assert_float_equal(fk_ble_sched_c2p(s, 0, 498), 0.015 + 2 * pair, 1e-12);
    /* an answer queued while event 1 runs joins it as a new pair */
    double ans = (152.0 + 44 + 300) / 1e6; /* 27-byte PDU */
    assert_float_equal(fk_ble_sched_p2c(s, 0.015 + 2 * pair, 23), 0.015 + 2 * pair + ans, 1e-12);
    /* one queued after event 1 ended waits for event 2 */
    assert_float_equal(fk_ble_sched_p2c(s, 0.020, 23), 0.030 + ans, 1e-12);
    assert_int_equal(s->c_pdus, 8);
    assert_int_equal(s->p_pdus, 2);
    free(s);
}

static double dev_1ms(void *arg, double start, uint32_t off, uint32_t len)
{
    (void)start, (void)off, (void)len;
    (*(unsigned *)arg)++;
    return 0.001;
}

static void test_upload(void **state)
{
    (void)state;
    struct fk_ble_link l;
    fk_ble_link_profile("phone", &l);
    unsigned calls = 0;
    /* one 100-byte chunk: a 143-byte write (one PDU), 1 ms of device work;
     * the event has closed by then, so the 23-byte notification goes at the
     * start of the next one */
    struct fk_ble_upload_cfg u = {.link = l, .image_len = 100, .chunk = 100, .window = 1,
                                  .req_overhead = 40, .rsp_len = 20, .device_s = dev_1ms, .arg = &calls};
    struct fk_ble_upload_result r;
    assert_int_equal(fk_ble_upload_model(&u, &r), 0);
    double ans = (152.0 + 44 + 300) / 1e6;
    assert_float_equal(r.seconds, 0.015 + ans, 1e-12);
    assert_int_equal(r.requests, 1);
    assert_int_equal(calls, 1);
    /* without reassembly the chunk shrinks to what fits one write */
    u.image_len = 10000;
    u.chunk = 4000;
    assert_int_equal(fk_ble_upload_model(&u, &r), 0);
    assert_int_equal(r.chunk, 495 - 40);
    assert_int_equal(r.requests, (10000 + 454) / 455);
    assert_int_equal(r.writes, r.requests);
    /* with it, 4000-byte chunks go as ceil(4040 / 495) = 9 writes each */
    u.reassembly = true;
    assert_int_equal(fk_ble_upload_model(&u, &r), 0);
    assert_int_equal(r.chunk, 4000);
    assert_int_equal(r.requests, 3);
    assert_int_equal(r.writes, 9 + 9 + 5); /* last: 2000 + 40 bytes */
    /* a longer window never makes it slower */
    double w1 = r.seconds;
    u.window = 3;
    assert_int_equal(fk_ble_upload_model(&u, &r), 0);
    assert_true(r.seconds <= w1);
    u.window = 0;
    assert_int_equal(fk_ble_upload_model(&u, &r), FK_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_air_times),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_sched),
        cmocka_unit_test(test_upload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
