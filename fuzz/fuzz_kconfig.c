/* libFuzzer: the doctor's .config reader. */
#include <stddef.h>
#include <stdint.h>

#include "fotakit/host/doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fk_kconfig k;
    char err[512];
    if (fk_doctor_kconfig_parse(".config", data, size, &k, err, sizeof err) == 0) {
        fk_kconfig_y(&k, "BOOTLOADER_MCUBOOT");
        fk_kconfig_get(&k, "MCUBOOT_IMGTOOL_SIGN_VERSION");
        fk_doctor_kconfig_free(&k);
    }
    return 0;
}
