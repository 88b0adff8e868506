/*
 * Check 6: the update path in the application: image management and an SMP
 * transport, progressive erase for a large or external secondary, and the
 * Bluetooth buffer sizes that decide upload throughput.
 */
#include <stdio.h>
#include <string.h>

#include "doctor_priv.h"

/* A secondary slot this large takes seconds to erase in one go. */
#define BIG_SECONDARY (256u * 1024u)
/* Erase time per 4 KiB page used for the estimate in words (nRF52/53
 * NVMC page erase is 85 ms max in the product specifications; NOR 4 KiB
 * sector erase is typically 40-50 ms, up to 400 ms). */
#define PAGE_ERASE_MS 85u

static long long num(const struct fk_kc_sym *s)
{
    return s && (s->type == FK_KC_INT || s->type == FK_KC_HEX) ? s->num : -1;
}

void doc_check_update(struct doc_ctx *c)
{
    struct doc_img *app = &c->img[c->app];
    bool mcumgr = fk_kconfig_y(&app->kc, "MCUMGR");
    bool img = doc_sym_y(app, SYM_GRP_IMG);
    bool imgmgr = fk_kconfig_y(&app->kc, "IMG_MANAGER");
    static const enum doc_sym tr[] = {SYM_TRANSPORT_BT, SYM_TRANSPORT_UART, SYM_TRANSPORT_UDP,
                                      SYM_TRANSPORT_SHELL};
    int ntr = 0;
    for (size_t i = 0; i < sizeof tr / sizeof tr[0]; i++) {
        ntr += doc_sym_y(app, tr[i]);
    }
    if (!mcumgr && !imgmgr) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_NOTE, 6, "no-update-path", "app",
            "the application has no update path of its own (no mcumgr, no image manager): "
            "updates can only come through MCUboot (serial recovery) or a debugger");
        doc_evid_sym(f, app, "MCUMGR");
        doc_evid_sym(f, app, "IMG_MANAGER");
        return;
    }
    if (mcumgr && (!img || !imgmgr || ntr == 0)) {
        char fix[200] = "";
        if (!img) {
            doc_fmt(fix + strlen(fix), sizeof fix - strlen(fix), "CONFIG_%s=y\n",
                     doc_sym_name(app, SYM_GRP_IMG));
        }
        if (!imgmgr) {
            doc_fmt(fix + strlen(fix), sizeof fix - strlen(fix), "CONFIG_IMG_MANAGER=y\n");
        }
        if (ntr == 0) {
            doc_fmt(fix + strlen(fix), sizeof fix - strlen(fix), "CONFIG_%s=y\n",
                     doc_sym_name(app, SYM_TRANSPORT_BT));
        }
        fix[strlen(fix) - 1] = '\0';
        /* Without the image group mcumgr cannot upload, but another DFU path
         * (a DFU target over a custom protocol) may use the image manager:
         * then it is a warning. */
        struct fk_doc_finding *f = doc_add(
            c, !img && imgmgr ? FK_DOC_WARNING : FK_DOC_ERROR, 6, "update-path", "app",
            "mcumgr is on in the application but %s: an mcumgr client cannot upload an "
            "image%s",
            !img      ? "its image management group is off"
            : !imgmgr ? "the image manager is off"
                      : "no SMP transport (Bluetooth, UART, UDP, shell) is enabled",
            !img && imgmgr ? " (the image manager is on: if updates come another way, ignore "
                             "this)"
                           : "");
        doc_evid_sym(f, app, "MCUMGR");
        doc_evid_sym(f, app, !img ? doc_sym_name(app, SYM_GRP_IMG)
                             : !imgmgr ? "IMG_MANAGER"
                                       : doc_sym_name(app, SYM_TRANSPORT_BT));
        doc_fix(f, c->app_conf.disp, "%s", fix);
    }
    const struct fk_layout_part *S = doc_part(c, "mcuboot_secondary");
    if (imgmgr && S && S->size &&
        (S->size >= BIG_SECONDARY || !strcmp(S->region, "external_flash")) &&
        !fk_kconfig_y(&app->kc, "IMG_ERASE_PROGRESSIVELY")) {
        unsigned pages = S->size / 4096u;
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 6, "erase-progressively", "app",
            "the image manager erases the whole mcuboot_secondary (0x%x bytes, %u pages of 4 "
            "KiB%s) before it stores the first chunk: about %u.%u s at %u ms per page, while "
            "the client waits for the first response and commonly times out",
            S->size, pages, !strcmp(S->region, "external_flash") ? ", external flash" : "",
            pages * PAGE_ERASE_MS / 1000, pages * PAGE_ERASE_MS % 1000 / 100, PAGE_ERASE_MS);
        doc_evid_sym(f, app, "IMG_ERASE_PROGRESSIVELY");
        doc_evid_part(f, c, "mcuboot_secondary");
        doc_fix(f, c->app_conf.disp, "CONFIG_IMG_ERASE_PROGRESSIVELY=y");
    }
    if (!doc_sym_y(app, SYM_TRANSPORT_BT)) {
        return;
    }
    const struct fk_kc_sym *nb = doc_sym(app, SYM_NETBUF_SIZE);
    const struct fk_kc_sym *mtu = fk_kconfig_get(&app->kc, "BT_L2CAP_TX_MTU");
    const struct fk_kc_sym *acl = doc_sym(app, SYM_BT_ACL_RX_SIZE);
    long long n = num(nb), m = num(mtu), a = num(acl);
    bool reasm = doc_sym_y(app, SYM_BT_REASSEMBLY);
    if (n < 0 || m < 0 || a < 0) {
        struct fk_doc_finding *f = doc_add(
            c, FK_DOC_WARNING, 7, "bt-buffers-unknown", "app",
            "SMP over Bluetooth is on but the .config lacks %s: the upload throughput is not "
            "estimated",
            n < 0 ? doc_sym_name(app, SYM_NETBUF_SIZE)
            : m < 0 ? "BT_L2CAP_TX_MTU"
                    : doc_sym_name(app, SYM_BT_ACL_RX_SIZE));
        (void)f;
        return;
    }
    /* A write from the phone arrives in ACL buffers: the ATT payload is the
     * ACL size - 4 (L2CAP header) - 3 (ATT header), capped by the MTU. */
    long long att = a - 7 < m - 3 ? a - 7 : m - 3;
    long long smp = reasm ? n : (att < n ? att : n);
    enum fk_doc_sev sev = FK_DOC_NOTE;
    char effect[300];
    if (m <= 23 || a <= 27) {
        sev = FK_DOC_WARNING;
        doc_fmt(effect, sizeof effect,
                 "with the 23-byte default MTU each write carries 20 bytes: an upload of the "
                 "0x%x-byte slot needs about %u writes and takes minutes; raise the MTU and "
                 "ACL sizes",
                 S ? S->size : 0, S ? S->size / 20 : 0);
    } else if (a < m + 4) {
        sev = FK_DOC_WARNING;
        doc_fmt(effect, sizeof effect,
                 "the ACL RX buffer (%lld) is smaller than MTU + 4 (%lld): writes the MTU "
                 "allows are cut to %lld bytes, so the negotiated MTU is not used",
                 a, m + 4, a - 7);
    } else {
        doc_fmt(effect, sizeof effect,
                 "each SMP request carries up to %lld bytes (%s), sent as ATT writes of up to "
                 "%lld bytes",
                 smp, reasm ? "netbuf size; requests are reassembled from several writes"
                            : "one write: no reassembly",
                 att);
    }
    struct fk_doc_finding *f = doc_add(
        c, sev, 6, "bt-buffers", "app",
        "Bluetooth SMP buffers: %s=%lld, BT_L2CAP_TX_MTU=%lld, %s=%lld: %s",
        nb->name, n, m, acl->name, a, effect);
    doc_evid_sym(f, app, nb->name);
    doc_evid_sym(f, app, "BT_L2CAP_TX_MTU");
    doc_evid_sym(f, app, acl->name);
    if (sev == FK_DOC_WARNING) {
        doc_fix(f, c->app_conf.disp, "CONFIG_BT_L2CAP_TX_MTU=498\nCONFIG_BT_BUF_ACL_RX_SIZE=502");
    }
}
