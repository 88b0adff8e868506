/*
 * `fotakit device run -v`: one line per SMP request, so a user can see why an
 * upload is slow or failing:
 *   smp: v2 write image/upload seq 12, 1043 B -> 14 B: ok, flash 12.4 ms
 *   smp: v1 read os/echo seq 3, 16 B -> 44 B: MGMT_ERR_EINVAL (3)
 *   smp: v2 write image/upload seq 0, 512 B -> 23 B: IMG_MGMT_ERR_FLASH_OPEN_FAILED (group 1 rc 10)
 * The result is read from the answer itself (rc / err), as a client would.
 */
#include "device_priv.h"

#include <stdio.h>

#include "fotakit/cbor.h"
#include "fotakit/smp.h"

static const char *group_name(uint16_t g)
{
    switch (g) {
    case FK_SMP_GROUP_OS: return "os";
    case FK_SMP_GROUP_IMAGE: return "image";
    case FK_SMP_GROUP_FOTAKIT: return "fotakit";
    default: return NULL;
    }
}

static const char *cmd_name(uint16_t g, uint8_t id)
{
    if (g == FK_SMP_GROUP_OS) {
        switch (id) {
        case FK_SMP_OS_ECHO: return "echo";
        case FK_SMP_OS_RESET: return "reset";
        case FK_SMP_OS_MCUMGR_PARAMS: return "params";
        case FK_SMP_OS_INFO: return "info";
        case FK_SMP_OS_BOOTLOADER_INFO: return "bootloader";
        default: return NULL;
        }
    }
    if (g == FK_SMP_GROUP_IMAGE) {
        switch (id) {
        case FK_SMP_IMG_STATE: return "state";
        case FK_SMP_IMG_UPLOAD: return "upload";
        case FK_SMP_IMG_ERASE: return "erase";
        case FK_SMP_IMG_SLOT_INFO: return "slot-info";
        default: return NULL;
        }
    }
    if (g == FK_SMP_GROUP_FOTAKIT && id == FK_SMP_FK_LAST_REASON) {
        return "last-reason";
    }
    return NULL;
}

/* "ok", "MGMT_ERR_... (rc)" or "GROUP_ERR_... (group G rc R)" from the answer. */
static void result(const uint8_t *rsp, size_t len, char *out, size_t cap)
{
    struct fk_cbor_field f[] = {
        {.key = "rc", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        {.key = "err", .accept = FK_CBOR_ACCEPT(FK_CBOR_MAP)},
    };
    if (len < FK_SMP_HDR_SIZE ||
        fk_cbor_map_fields(rsp + FK_SMP_HDR_SIZE, len - FK_SMP_HDR_SIZE, f, 2, NULL) != FK_OK) {
        snprintf(out, cap, "answer not understood");
        return;
    }
    if (f[1].found) {
        struct fk_cbor_field e[] = {
            {.key = "group", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
            {.key = "rc", .accept = FK_CBOR_ACCEPT(FK_CBOR_UINT)},
        };
        if (fk_cbor_map_fields(f[1].item.raw, f[1].item.raw_len, e, 2, NULL) == FK_OK &&
            e[0].found && e[1].found && e[1].item.u != 0) {
            snprintf(out, cap, "%s (group %u rc %u)",
                     fk_smp_group_err_name((int)e[0].item.u, (int)e[1].item.u),
                     (unsigned)e[0].item.u, (unsigned)e[1].item.u);
            return;
        }
    }
    if (f[0].found && f[0].item.u != 0) {
        snprintf(out, cap, "%s (%u)", fk_smp_mgmt_err_name((int)f[0].item.u), (unsigned)f[0].item.u);
        return;
    }
    snprintf(out, cap, "ok");
}

void fk_dev_log_request(struct fk_device *d, const uint8_t *req, size_t len, const uint8_t *rsp,
                        size_t rsp_len, double flash_ms)
{
    struct fk_smp_hdr h;
    if (fk_smp_hdr_decode(req, len, &h) != FK_OK) {
        fk_dev_log(d, "smp: %zu-byte packet, shorter than an SMP header: dropped", len);
        return;
    }
    char what[48], res[96], fl[32] = "";
    const char *g = group_name(h.group), *c = cmd_name(h.group, h.id);
    if (g && c) {
        snprintf(what, sizeof what, "%s/%s", g, c);
    } else {
        snprintf(what, sizeof what, "group %u cmd %u", (unsigned)h.group, (unsigned)h.id);
    }
    if (rsp_len == 0) {
        snprintf(res, sizeof res, "no answer");
    } else {
        result(rsp, rsp_len, res, sizeof res);
    }
    if (flash_ms >= 0.05) {
        snprintf(fl, sizeof fl, ", flash %.1f ms", flash_ms);
    }
    const char *op = h.op == FK_SMP_OP_READ ? "read" : h.op == FK_SMP_OP_WRITE ? "write" : "op?";
    fk_dev_log(d, "smp: v%u %s %s seq %u, %zu B -> %zu B: %s%s", (unsigned)h.version + 1, op, what,
               (unsigned)h.seq, len, rsp_len, res, fl);
}
