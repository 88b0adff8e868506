/*
 * fotakit/str_buf.h: the bounded string builder the flash drivers, the
 * bootloader's why/log lines and the SMP server's messages share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fotakit/str_buf.h"

static void numbers(void **state)
{
    (void)state;
    char buf[96];
    struct fk_sb sb;
    fk_sb_init(&sb, buf, sizeof buf);
    fk_sb_dec(&sb, 0);
    fk_sb_putc(&sb, ' ');
    fk_sb_dec(&sb, 4294967295u);
    fk_sb_putc(&sb, ' ');
    fk_sb_dec_signed(&sb, -42);
    fk_sb_putc(&sb, ' ');
    fk_sb_dec_signed(&sb, INT32_MIN);
    fk_sb_putc(&sb, ' ');
    fk_sb_hex(&sb, 0, 0);
    fk_sb_putc(&sb, ' ');
    fk_sb_hex(&sb, 0xdeadbeefu, 0);
    fk_sb_putc(&sb, ' ');
    fk_sb_hex(&sb, 0x1au, 4);
    fk_sb_putc(&sb, ' ');
    fk_sb_puts(&sb, NULL);
    fk_sb_puts(&sb, "end");
    assert_string_equal(buf, "0 4294967295 -42 -2147483648 0 deadbeef 001a end");
    assert_int_equal(sb.len, strlen(buf));
}

static void truncates_and_terminates(void **state)
{
    (void)state;
    char buf[8];
    memset(buf, 'x', sizeof buf);
    struct fk_sb sb;
    fk_sb_init(&sb, buf, 6);
    fk_sb_puts(&sb, "abc");
    fk_sb_dec(&sb, 12345);
    assert_string_equal(buf, "abc12"); /* 5 chars + NUL in 6 bytes */
    assert_int_equal(sb.len, 5);
    fk_sb_hex(&sb, 0xffffffffu, 8);
    assert_string_equal(buf, "abc12");
    assert_int_equal(buf[6], 'x'); /* nothing written past cap */

    /* cap 0: nothing is ever written */
    memset(buf, 'x', sizeof buf);
    fk_sb_init(&sb, buf, 0);
    fk_sb_puts(&sb, "abc");
    assert_int_equal(buf[0], 'x');
    assert_int_equal(sb.len, 0);

    /* cap 1: always the empty string */
    fk_sb_init(&sb, buf, 1);
    fk_sb_putc(&sb, 'a');
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(numbers),
        cmocka_unit_test(truncates_and_terminates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
