/* libFuzzer: the doctor's partitions.yml reader. */
#include <stddef.h>
#include <stdint.h>

#include "fotakit/host/doctor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fk_layout l;
    char err[512];
    fk_doctor_partitions_parse("partitions.yml", data, size, &l, err, sizeof err);
    return 0;
}
