/* fotakit image: option matching, number/version parsing, image loading. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_image.h"

bool fk_cli_opt(int argc, char **argv, int *i, const char *sname, const char *lname, bool has_val,
                const char **val, bool *bad)
{
    const char *a = argv[*i];
    size_t ln = lname ? strlen(lname) : 0;
    if (sname && !strcmp(a, sname)) {
        /* exact short option */
    } else if (lname && !strncmp(a, lname, ln) && (a[ln] == '\0' || (has_val && a[ln] == '='))) {
        if (a[ln] == '=') {
            *val = a + ln + 1;
            return true;
        }
    } else {
        return false;
    }
    if (has_val) {
        if (*i + 1 >= argc) {
            fprintf(stderr, "fotakit image: option %s needs a value\n", a);
            *bad = true;
            return true;
        }
        *val = argv[++*i];
    }
    return true;
}

bool fk_cli_parse_u32(const char *s, uint32_t *out)
{
    char *end;
    int base = 10;
    const char *p = s;
    unsigned long long v;
    if (s == NULL || *s == '\0' || *s == '-') {
        return false;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
        base = 2;
        p += 2;
    }
    if (*p == '\0' || isspace((unsigned char)*p) || *p == '+' || *p == '-') {
        return false;
    }
    errno = 0;
    v = strtoull(p, &end, base);
    if (errno != 0 || *end != '\0' || v > UINT32_MAX) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

bool fk_cli_parse_version(const char *s, struct fk_image_version *v)
{
    /* imgtool: MAJOR[.MINOR[.REVISION]][+BUILD], each part decimal */
    unsigned long parts[4] = {0, 0, 0, 0};
    const char *p = s;
    char *end;
    int n = 0;
    memset(v, 0, sizeof *v);
    for (;;) {
        if (!isdigit((unsigned char)*p)) {
            return false;
        }
        errno = 0;
        parts[n] = strtoul(p, &end, 10);
        if (errno) {
            return false;
        }
        p = end;
        n++;
        if (*p == '.' && n < 3) {
            p++;
            continue;
        }
        break;
    }
    if (*p == '+') {
        p++;
        if (!isdigit((unsigned char)*p)) {
            return false;
        }
        errno = 0;
        parts[3] = strtoul(p, &end, 10);
        if (errno) {
            return false;
        }
        p = end;
    }
    if (*p != '\0' || parts[0] > 255 || parts[1] > 255 || parts[2] > 65535 || parts[3] > UINT32_MAX) {
        return false;
    }
    v->major = (uint8_t)parts[0];
    v->minor = (uint8_t)parts[1];
    v->revision = (uint16_t)parts[2];
    v->build = (uint32_t)parts[3];
    return true;
}

int fk_cli_load_image(const char *path, uint8_t **data, size_t *len)
{
    char err[512];
    int rc;
    if (fk_path_is_hex(path)) {
        uint32_t base;
        rc = fk_hex_read(path, 0xff, data, len, &base, err, sizeof err);
    } else {
        rc = fk_file_read(path, data, len, err, sizeof err);
    }
    if (rc != FK_OK) {
        fprintf(stderr, "fotakit image: %s\n", err);
        return rc;
    }
    if (*len == 0) {
        fprintf(stderr, "fotakit image: %s: the file is empty; an MCUboot image starts with a "
                        "32-byte header (was the build or the copy cut short?)\n", path);
        free(*data);
        *data = NULL;
        return FK_EINVAL;
    }
    return FK_OK;
}
