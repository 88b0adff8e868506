/* libFuzzer: the doctor's devicetree blob reader and the queries the doctor
 * makes of it. (DTS source is compiled by dtc, which is not fotakit's.) */
#include <stddef.h>
#include <stdint.h>

#include "fotakit/host/doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fk_dts d;
    char err[512], buf[160];
    if (fk_doctor_dtb_parse("zephyr.dtb", data, size, &d, err, sizeof err) != 0) {
        return 0;
    }
    struct fk_dts_flash f[4];
    fk_dts_flash_all(&d, FK_DTS_FLASH_SPI_NOR, f, 4);
    fk_dts_flash_all(&d, FK_DTS_FLASH_QSPI_NOR, f, 4);
    const char *p = fk_dts_chosen(&d, "nordic,pm-ext-flash", buf, sizeof buf);
    if (p && p[0]) {
        fk_dts_flash_at(&d, p, &f[0]);
    }
    fk_dts_chosen(&d, "zephyr,flash", buf, sizeof buf);
    fk_dts_find_label(&d, "mx25r64", buf, sizeof buf);
    fk_doctor_dts_free(&d);
    return 0;
}
