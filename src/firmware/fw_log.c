/* UART log lines and the two number formatters (fw.h): no printf. */
#include <string.h>

#include "fotakit/port.h"
#include "fw.h"

void fk_fw_log(const char *tag, const char *a, const char *b)
{
    fk_port_uart_write(tag, strlen(tag));
    fk_port_uart_write(": ", 2);
    fk_port_uart_write(a, strlen(a));
    if (b != NULL) {
        fk_port_uart_write(b, strlen(b));
    }
    fk_port_uart_write("\r\n", 2);
}

char *fk_fw_hex32(uint32_t v, char out[11])
{
    out[0] = '0';
    out[1] = 'x';
    for (int i = 0; i < 8; i++) {
        out[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
    }
    out[10] = '\0';
    return out;
}

char *fk_fw_dec(uint32_t v, char out[11])
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (int i = 0; i < n; i++) {
        out[i] = tmp[n - 1 - i];
    }
    out[n] = '\0';
    return out;
}

char *fk_fw_ver(const struct fk_image_version *v, char out[48])
{
    char n[11];
    out[0] = '\0';
    strcat(out, fk_fw_dec(v->major, n));
    strcat(out, ".");
    strcat(out, fk_fw_dec(v->minor, n));
    strcat(out, ".");
    strcat(out, fk_fw_dec(v->revision, n));
    strcat(out, "+");
    strcat(out, fk_fw_dec(v->build, n));
    return out;
}

void fk_fw_swap_step(const char *prefix, uint32_t done, uint32_t total)
{
    char a[11], b[11], line[48];
    fk_port_watchdog_kick();
    line[0] = '\0';
    strcat(line, prefix);
    strcat(line, "swap step ");
    strcat(line, fk_fw_dec(done, a));
    strcat(line, "/");
    strcat(line, fk_fw_dec(total, b));
    fk_fw_log("boot", line, NULL);
}
