/* mcumgr error numbers: names, meanings, and Zephyr's v1 translation. */
#include "smp_priv.h"

struct errdesc {
    const char *name;
    const char *text;
};

static const struct errdesc mgmt[] = {
    {"MGMT_ERR_EOK", "success"},
    {"MGMT_ERR_EUNKNOWN", "unknown error"},
    {"MGMT_ERR_ENOMEM", "not enough memory"},
    {"MGMT_ERR_EINVAL", "invalid value in the request"},
    {"MGMT_ERR_ETIMEOUT", "operation timed out"},
    {"MGMT_ERR_ENOENT", "no such entry"},
    {"MGMT_ERR_EBADSTATE", "the current state does not allow the command"},
    {"MGMT_ERR_EMSGSIZE", "message too large"},
    {"MGMT_ERR_ENOTSUP", "command not supported"},
    {"MGMT_ERR_ECORRUPT", "corrupt request"},
    {"MGMT_ERR_EBUSY", "busy with another command"},
    {"MGMT_ERR_EACCESSDENIED", "access denied"},
    {"MGMT_ERR_UNSUPPORTED_TOO_OLD", "SMP protocol version too old"},
    {"MGMT_ERR_UNSUPPORTED_TOO_NEW", "SMP protocol version too new"},
};

static const struct errdesc os_errs[] = {
    {"OS_MGMT_ERR_OK", "success"},
    {"OS_MGMT_ERR_UNKNOWN", "unknown error"},
    {"OS_MGMT_ERR_INVALID_FORMAT", "the info format string has an unknown character"},
    {"OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER", "the query is not recognised"},
};

static const struct errdesc img_errs[] = {
    {"IMG_MGMT_ERR_OK", "success"},
    {"IMG_MGMT_ERR_UNKNOWN", "unknown error"},
    {"IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL", "failed to query the flash area configuration"},
    {"IMG_MGMT_ERR_NO_IMAGE", "there is no image in the slot"},
    {"IMG_MGMT_ERR_NO_TLVS", "the image in the slot has no TLVs"},
    {"IMG_MGMT_ERR_INVALID_TLV", "the image in the slot has an invalid TLV type or length"},
    {"IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND", "the image in the slot has several hash TLVs"},
    {"IMG_MGMT_ERR_TLV_INVALID_SIZE", "the image in the slot has an invalid TLV size"},
    {"IMG_MGMT_ERR_HASH_NOT_FOUND", "no image with that hash"},
    {"IMG_MGMT_ERR_NO_FREE_SLOT", "no free slot for the image"},
    {"IMG_MGMT_ERR_FLASH_OPEN_FAILED", "failed to open the flash area"},
    {"IMG_MGMT_ERR_FLASH_READ_FAILED", "flash read failed"},
    {"IMG_MGMT_ERR_FLASH_WRITE_FAILED", "flash write failed"},
    {"IMG_MGMT_ERR_FLASH_ERASE_FAILED", "flash erase failed"},
    {"IMG_MGMT_ERR_INVALID_SLOT", "the slot number is not valid"},
    {"IMG_MGMT_ERR_NO_FREE_MEMORY", "not enough memory"},
    {"IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET", "the flash context is already set"},
    {"IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET", "the flash context is not set"},
    {"IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL", "the flash area has no device"},
    {"IMG_MGMT_ERR_INVALID_PAGE_OFFSET", "the page offset is not valid"},
    {"IMG_MGMT_ERR_INVALID_OFFSET", "the offset is missing or not valid"},
    {"IMG_MGMT_ERR_INVALID_LENGTH", "the length is missing or not valid"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_HEADER", "the image header is malformed or too short"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC",
     "the image header magic value does not match the expected value"},
    {"IMG_MGMT_ERR_INVALID_HASH", "the hash parameter is not valid"},
    {"IMG_MGMT_ERR_INVALID_FLASH_ADDRESS", "the image load address does not match the slot"},
    {"IMG_MGMT_ERR_VERSION_GET_FAILED", "failed to read the running image's version"},
    {"IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER",
     "the running image is newer than (or as new as) the uploaded one"},
    {"IMG_MGMT_ERR_IMAGE_ALREADY_PENDING", "an image is already pending"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE", "the image vector table is not valid"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE", "the image is too large for the slot"},
    {"IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN", "more data was sent than the image length"},
    {"IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED", "confirming the image was refused"},
    {"IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED",
     "the running image cannot be marked for test"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

const char *fk_smp_mgmt_err_name(int rc)
{
    return rc >= 0 && (size_t)rc < N(mgmt) ? mgmt[rc].name : "?";
}

const char *fk_smp_mgmt_err_str(int rc)
{
    return rc >= 0 && (size_t)rc < N(mgmt) ? mgmt[rc].text : "?";
}

const char *fk_smp_group_err_name(int group, int rc)
{
    if (group == FK_SMP_GROUP_IMAGE && rc >= 0 && (size_t)rc < N(img_errs)) {
        return img_errs[rc].name;
    }
    if (group == FK_SMP_GROUP_OS && rc >= 0 && (size_t)rc < N(os_errs)) {
        return os_errs[rc].name;
    }
    return "?";
}

const char *fk_smp_group_err_str(int group, int rc)
{
    if (group == FK_SMP_GROUP_IMAGE && rc >= 0 && (size_t)rc < N(img_errs)) {
        return img_errs[rc].text;
    }
    if (group == FK_SMP_GROUP_OS && rc >= 0 && (size_t)rc < N(os_errs)) {
        return os_errs[rc].text;
    }
    return "?";
}

/* As Zephyr's img_mgmt_translate_error_code(). */
int fk_smp_img_err_to_mgmt(int rc)
{
    switch (rc) {
    case FK_IMG_MGMT_ERR_OK:
        return FK_MGMT_ERR_EOK;
    case FK_IMG_MGMT_ERR_NO_IMAGE:
    case FK_IMG_MGMT_ERR_NO_TLVS:
        return FK_MGMT_ERR_ENOENT;
    case FK_IMG_MGMT_ERR_NO_FREE_SLOT:
    case FK_IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER:
    case FK_IMG_MGMT_ERR_IMAGE_ALREADY_PENDING:
        return FK_MGMT_ERR_EBADSTATE;
    case FK_IMG_MGMT_ERR_NO_FREE_MEMORY:
        return FK_MGMT_ERR_ENOMEM;
    case FK_IMG_MGMT_ERR_INVALID_SLOT:
    case FK_IMG_MGMT_ERR_INVALID_PAGE_OFFSET:
    case FK_IMG_MGMT_ERR_INVALID_OFFSET:
    case FK_IMG_MGMT_ERR_INVALID_LENGTH:
    case FK_IMG_MGMT_ERR_INVALID_IMAGE_HEADER:
    case FK_IMG_MGMT_ERR_INVALID_HASH:
    case FK_IMG_MGMT_ERR_INVALID_FLASH_ADDRESS:
        return FK_MGMT_ERR_EINVAL;
    default:
        return FK_MGMT_ERR_EUNKNOWN;
    }
}

/* As Zephyr's os_mgmt_translate_error_code(). */
int fk_smp_os_err_to_mgmt(int rc)
{
    switch (rc) {
    case FK_OS_MGMT_ERR_OK:
        return FK_MGMT_ERR_EOK;
    case FK_OS_MGMT_ERR_INVALID_FORMAT:
        return FK_MGMT_ERR_EINVAL;
    case FK_OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER:
        return FK_MGMT_ERR_ENOENT;
    default:
        return FK_MGMT_ERR_EUNKNOWN;
    }
}
