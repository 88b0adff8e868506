#include "fotakit/err.h"

#include <stddef.h>

struct fk_err_desc {
    int code;
    const char *name;
    const char *text;
};

/* One row per code. Components append their rows here (see err.h for ranges). */
static const struct fk_err_desc fk_errs[] = {
    {FK_OK, "FK_OK", "success"},
    {FK_EINVAL, "FK_EINVAL", "an argument is invalid"},
    {FK_ENOENT, "FK_ENOENT", "no such flash area or item"},
    {FK_ENODEV, "FK_ENODEV",
     "the flash device is not ready (absent, failed its probe, or never initialised)"},
    {FK_EIO, "FK_EIO", "the device reported an I/O error"},
    {FK_ETIMEDOUT, "FK_ETIMEDOUT", "the device stayed busy past its timeout"},
    {FK_ERANGE, "FK_ERANGE", "the offset or length lies outside the area or device"},
    {FK_EALIGN, "FK_EALIGN",
     "the offset or length is not a multiple of the device's write or erase size"},
    {FK_EPROTECT, "FK_EPROTECT", "the device refused the write: block-protect bits are set"},
    {FK_ENOSPC, "FK_ENOSPC", "the data does not fit"},
    {FK_EBUSY, "FK_EBUSY", "the device is busy"},
    {FK_ENOTSUP, "FK_ENOTSUP", "the operation is not supported by this device or build"},
    {FK_EPOWER, "FK_EPOWER", "power was cut; the device refuses operations until it returns"},
    {FK_ENOTERASED, "FK_ENOTERASED",
     "programming would need to set bits from 0 to 1; erase the sector first"},
    {FK_EWEAR, "FK_EWEAR", "a word was written more times than the device allows between erases"},
    {FK_EOVERFLOW, "FK_EOVERFLOW", "a size or offset overflows"},
    {FK_ECORRUPT, "FK_ECORRUPT", "stored data fails its integrity check"},
    {FK_EID, "FK_EID", "the device's identification does not match the expected one"},
    {FK_ENOMEM, "FK_ENOMEM", "a buffer supplied by the caller is too small"},
    /* layout (-30 .. -59) */
    {FK_ELAYOUT_SYNTAX, "FK_ELAYOUT_SYNTAX",
     "the layout or board file is not YAML or lacks/garbles a key it needs"},
    {FK_ELAYOUT_LIMIT, "FK_ELAYOUT_LIMIT",
     "the layout or board file exceeds a fotakit bound (file size, entries, alias expansion)"},
    {FK_ELAYOUT_RULE, "FK_ELAYOUT_RULE",
     "the layout breaks a rule; 'fotakit layout check' lists each problem and its fix"},
    /* image (-60 .. -99) */
    /* boot (-100 .. -129) */
    {FK_EBOOT_TRAILER, "FK_EBOOT_TRAILER", "a slot trailer's magic is corrupt"},
    {FK_EBOOT_NOIMAGE, "FK_EBOOT_NOIMAGE", "there is no valid image to boot"},
    {FK_EBOOT_STUCK, "FK_EBOOT_STUCK",
     "a swap is in progress but the secondary slot's device cannot be used to finish it"},
    {FK_EBOOT_TOOBIG, "FK_EBOOT_TOOBIG", "the image is larger than the slots can swap"},
    {FK_EBOOT_DOWNGRADE, "FK_EBOOT_DOWNGRADE",
     "the image has a lower version or security counter than allowed"},
    {FK_EBOOT_GEOMETRY, "FK_EBOOT_GEOMETRY",
     "the slots' geometry (erase/write sizes, alignment, sizes) cannot be swapped"},
    /* smp (-130 .. -159) */
};

static const struct fk_err_desc *fk_err_find(int err)
{
    for (size_t i = 0; i < sizeof fk_errs / sizeof fk_errs[0]; i++) {
        if (fk_errs[i].code == err) {
            return &fk_errs[i];
        }
    }
    return NULL;
}

const char *fk_err_name(int err)
{
    const struct fk_err_desc *d = fk_err_find(err);
    return d ? d->name : "FK_E?";
}

const char *fk_err_str(int err)
{
    const struct fk_err_desc *d = fk_err_find(err);
    return d ? d->text : "unknown fotakit error code";
}
