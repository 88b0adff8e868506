/*
 * Names and meanings of the numbers SMP devices answer with, so the client
 * never prints a bare `rc`. Numbers as Zephyr's mcumgr defines them
 * (mgmt_defines.h MGMT_ERR_*, img_mgmt.h IMG_MGMT_ERR_*, os_mgmt.h).
 */
#include "fotakit/host/client.h"

#include <stddef.h>
#include <stdio.h>

struct errdesc {
    int rc;
    const char *name;
    const char *text;
};

static const struct errdesc mgmt[] = {
    {0, "MGMT_ERR_EOK", "no error"},
    {1, "MGMT_ERR_EUNKNOWN", "unknown error"},
    {2, "MGMT_ERR_ENOMEM", "the device ran out of memory or buffers"},
    {3, "MGMT_ERR_EINVAL", "the request has an invalid or missing argument"},
    {4, "MGMT_ERR_ETIMEOUT", "an operation on the device timed out"},
    {5, "MGMT_ERR_ENOENT", "no such item (e.g. no image with that hash)"},
    {6, "MGMT_ERR_EBADSTATE", "the device is in a state where this request is not allowed"},
    {7, "MGMT_ERR_EMSGSIZE", "the request or its response is too large for the device's buffer"},
    {8, "MGMT_ERR_ENOTSUP", "the device does not support this group or command"},
    {9, "MGMT_ERR_ECORRUPT", "the request is corrupt (malformed CBOR or header)"},
    {10, "MGMT_ERR_EBUSY", "the device is busy; retry later"},
    {11, "MGMT_ERR_EACCESSDENIED", "access denied"},
    {12, "MGMT_ERR_UNSUPPORTED_TOO_OLD", "the request's SMP version is too old for this device"},
    {13, "MGMT_ERR_UNSUPPORTED_TOO_NEW", "the request's SMP version is too new for this device"},
    {256, "MGMT_ERR_EPERUSER", "first user-defined error"},
};

static const struct errdesc os_grp[] = {
    {0, "OS_MGMT_ERR_OK", "no error"},
    {1, "OS_MGMT_ERR_UNKNOWN", "unknown error"},
    {2, "OS_MGMT_ERR_INVALID_FORMAT", "the provided format value is not valid"},
    {3, "OS_MGMT_ERR_QUERY_YIELDS_NO_ANSWER", "the query has no answer on this device"},
    {4, "OS_MGMT_ERR_RTC_NOT_SET", "the RTC is not set"},
    {5, "OS_MGMT_ERR_RTC_COMMAND_FAILED", "the RTC command failed"},
    {6, "OS_MGMT_ERR_QUERY_RESPONSE_VALUE_NOT_VALID", "the query's answer is not valid"},
};

static const struct errdesc img_grp[] = {
    {0, "IMG_MGMT_ERR_OK", "no error"},
    {1, "IMG_MGMT_ERR_UNKNOWN", "unknown error"},
    {2, "IMG_MGMT_ERR_FLASH_CONFIG_QUERY_FAIL", "the flash configuration could not be read"},
    {3, "IMG_MGMT_ERR_NO_IMAGE", "there is no image in the slot"},
    {4, "IMG_MGMT_ERR_NO_TLVS", "the image has no TLV area"},
    {5, "IMG_MGMT_ERR_INVALID_TLV", "the image has an invalid TLV"},
    {6, "IMG_MGMT_ERR_TLV_MULTIPLE_HASHES_FOUND", "the image has more than one hash TLV"},
    {7, "IMG_MGMT_ERR_TLV_INVALID_SIZE", "a TLV has an invalid size"},
    {8, "IMG_MGMT_ERR_HASH_NOT_FOUND", "no image with that hash (check `image list`)"},
    {9, "IMG_MGMT_ERR_NO_FREE_SLOT", "there is no free slot to upload to (erase the secondary slot or confirm)"},
    {10, "IMG_MGMT_ERR_FLASH_OPEN_FAILED", "the slot's flash area could not be opened"},
    {11, "IMG_MGMT_ERR_FLASH_READ_FAILED", "reading the slot failed"},
    {12, "IMG_MGMT_ERR_FLASH_WRITE_FAILED", "writing the slot failed"},
    {13, "IMG_MGMT_ERR_FLASH_ERASE_FAILED", "erasing the slot failed"},
    {14, "IMG_MGMT_ERR_INVALID_SLOT", "the slot number is not valid"},
    {15, "IMG_MGMT_ERR_NO_FREE_MEMORY", "the device is out of memory"},
    {16, "IMG_MGMT_ERR_FLASH_CONTEXT_ALREADY_SET", "an upload is already in progress"},
    {17, "IMG_MGMT_ERR_FLASH_CONTEXT_NOT_SET", "no upload in progress: start again at offset 0"},
    {18, "IMG_MGMT_ERR_FLASH_AREA_DEVICE_NULL", "the slot's flash device is missing"},
    {19, "IMG_MGMT_ERR_INVALID_PAGE_OFFSET", "the page offset is invalid"},
    {20, "IMG_MGMT_ERR_INVALID_OFFSET", "the `off` field is missing or invalid"},
    {21, "IMG_MGMT_ERR_INVALID_LENGTH", "the `len` field is missing or invalid in the first chunk"},
    {22, "IMG_MGMT_ERR_INVALID_IMAGE_HEADER", "the image is smaller than an image header, or its header is invalid"},
    {23, "IMG_MGMT_ERR_INVALID_IMAGE_HEADER_MAGIC",
     "the first chunk does not start with the MCUboot image magic (is it a signed image?)"},
    {24, "IMG_MGMT_ERR_INVALID_HASH", "the hash is not valid (wrong length?)"},
    {25, "IMG_MGMT_ERR_INVALID_FLASH_ADDRESS", "the image's load address does not match the slot"},
    {26, "IMG_MGMT_ERR_VERSION_GET_FAILED", "the running image's version could not be read"},
    {27, "IMG_MGMT_ERR_CURRENT_VERSION_IS_NEWER",
     "the running image is newer than the uploaded one (upgrade-only was requested)"},
    {28, "IMG_MGMT_ERR_IMAGE_ALREADY_PENDING",
     "an image is already pending for the next reset; reset or erase the slot first"},
    {29, "IMG_MGMT_ERR_INVALID_IMAGE_VECTOR_TABLE", "the image's vector table is invalid"},
    {30, "IMG_MGMT_ERR_INVALID_IMAGE_TOO_LARGE", "the image does not fit in the slot"},
    {31, "IMG_MGMT_ERR_INVALID_IMAGE_DATA_OVERRUN", "more data was sent than the image length announced"},
    {32, "IMG_MGMT_ERR_IMAGE_CONFIRMATION_DENIED", "the image may not be confirmed"},
    {33, "IMG_MGMT_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED",
     "the running image cannot be marked for test; it is already active"},
    {34, "IMG_MGMT_ERR_ACTIVE_SLOT_NOT_KNOWN", "the active slot is not known"},
};

static const struct errdesc *find(const struct errdesc *t, size_t n, int rc)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].rc == rc) {
            return &t[i];
        }
    }
    return NULL;
}

#define FIND(t, rc) find((t), sizeof(t) / sizeof((t)[0]), (rc))

const char *fk_client_mgmt_err_name(int rc)
{
    const struct errdesc *d = FIND(mgmt, rc);
    return d ? d->name : (rc >= 256 ? "MGMT_ERR_EPERUSER+" : "MGMT_ERR_?");
}

const char *fk_client_mgmt_err_str(int rc)
{
    const struct errdesc *d = FIND(mgmt, rc);
    return d ? d->text : "an error number this client does not know";
}

static const struct errdesc *group_find(int group, int rc)
{
    if (group == FK_CL_GROUP_OS) {
        return FIND(os_grp, rc);
    }
    if (group == FK_CL_GROUP_IMAGE) {
        return FIND(img_grp, rc);
    }
    return NULL;
}

const char *fk_client_group_err_name(int group, int rc)
{
    const struct errdesc *d = group_find(group, rc);
    return d ? d->name : "GROUP_ERR_?";
}

const char *fk_client_group_err_str(int group, int rc)
{
    const struct errdesc *d = group_find(group, rc);
    return d ? d->text : "an error number of this group that this client does not know";
}

bool fk_client_status_failed(const struct fk_client_status *st)
{
    return st->rc != 0 || (st->group >= 0 && st->group_rc != 0);
}

const char *fk_client_status_str(const struct fk_client_status *st, char *buf, size_t len)
{
    int n;
    if (st->group >= 0 && st->group_rc != 0) {
        n = snprintf(buf, len, "%s (%d, group %d): %s", fk_client_group_err_name(st->group, st->group_rc),
                     st->group_rc, st->group, fk_client_group_err_str(st->group, st->group_rc));
    } else if (st->rc != 0) {
        n = snprintf(buf, len, "%s (%d): %s", fk_client_mgmt_err_name(st->rc), st->rc,
                     fk_client_mgmt_err_str(st->rc));
    } else {
        n = snprintf(buf, len, "ok");
    }
    if (st->rsn[0] && n >= 0 && (size_t)n < len) {
        snprintf(buf + n, len - (size_t)n, "; device says: %s", st->rsn);
    }
    return buf;
}
