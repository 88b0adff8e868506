/*
 * Kconfig symbols renamed across NCS releases, and the era of a .config.
 *
 * Facts (read in zephyrproject-rtos/zephyr and nrfconnect/sdk-nrf):
 *  - Zephyr 3.3 (NCS 2.3) moved mcumgr into Zephyr proper and renamed
 *    MCUMGR_SMP_BT -> MCUMGR_TRANSPORT_BT (UART, UDP, SHELL alike),
 *    MCUMGR_CMD_IMG_MGMT -> MCUMGR_GRP_IMG (OS alike),
 *    MCUMGR_BUF_SIZE -> MCUMGR_TRANSPORT_NETBUF_SIZE,
 *    MCUMGR_SMP_REASSEMBLY_BT -> MCUMGR_TRANSPORT_BT_REASSEMBLY (the last
 *    pair from memory of the Zephyr 3.2 Kconfig, not re-read);
 *  - the application-side choice MCUBOOT_BOOTLOADER_MODE_* appeared in the
 *    same window (no NCS 2.2 or older .config in ../shared has it; every NCS
 *    2.5+ one with BOOTLOADER_MCUBOOT=y does); its SWAP_WITHOUT_SCRATCH is
 *    SWAP_USING_MOVE in the NCS 3.1 builds (NCS 2.9 still has the old name);
 *  - BT_BUF_ACL_RX_SIZE replaced BT_RX_BUF_LEN in Zephyr 2.6 (NCS 1.6).
 * Era 1 = NCS <= 2.2 names, era 2 = NCS >= 2.3 names.
 */
#include <string.h>

#include "doctor_priv.h"

struct alias {
    const char *name[3]; /* newest first */
    int era[3];          /* era each name belongs to (0: both) */
};

static const struct alias aliases[SYM_COUNT] = {
    [SYM_GRP_IMG] = {{"MCUMGR_GRP_IMG", "MCUMGR_CMD_IMG_MGMT"}, {2, 1}},
    [SYM_GRP_OS] = {{"MCUMGR_GRP_OS", "MCUMGR_CMD_OS_MGMT"}, {2, 1}},
    [SYM_TRANSPORT_BT] = {{"MCUMGR_TRANSPORT_BT", "MCUMGR_SMP_BT"}, {2, 1}},
    [SYM_TRANSPORT_UART] = {{"MCUMGR_TRANSPORT_UART", "MCUMGR_SMP_UART"}, {2, 1}},
    [SYM_TRANSPORT_UDP] = {{"MCUMGR_TRANSPORT_UDP", "MCUMGR_SMP_UDP"}, {2, 1}},
    [SYM_TRANSPORT_SHELL] = {{"MCUMGR_TRANSPORT_SHELL", "MCUMGR_SMP_SHELL"}, {2, 1}},
    [SYM_NETBUF_SIZE] = {{"MCUMGR_TRANSPORT_NETBUF_SIZE", "MCUMGR_BUF_SIZE"}, {2, 1}},
    [SYM_BT_REASSEMBLY] = {{"MCUMGR_TRANSPORT_BT_REASSEMBLY", "MCUMGR_SMP_REASSEMBLY_BT"}, {2, 1}},
    [SYM_BT_ACL_RX_SIZE] = {{"BT_BUF_ACL_RX_SIZE", "BT_RX_BUF_LEN"}, {0, 0}},
};

/* Symbols whose mere presence (set or "is not set") shows the era. */
static const char *const era2_marks[] = {
    "MCUMGR_GRP_IMG", "MCUMGR_TRANSPORT_BT", "MCUMGR_TRANSPORT_NETBUF_SIZE", "MCUMGR_GRP_OS",
    "MCUBOOT_BOOTLOADER_MODE_SWAP_WITHOUT_SCRATCH", "MCUBOOT_BOOTLOADER_MODE_SWAP_USING_MOVE",
    "MCUBOOT_BOOTLOADER_MODE_OVERWRITE_ONLY", "MCUBOOT_BOOTLOADER_MODE_SWAP_SCRATCH", NULL,
};
static const char *const era1_marks[] = {
    "MCUMGR_CMD_IMG_MGMT", "MCUMGR_SMP_BT", "MCUMGR_BUF_SIZE", "MCUMGR_CMD_OS_MGMT", NULL,
};

int doc_era(const struct doc_img *im, const char **why)
{
    for (int i = 0; era2_marks[i]; i++) {
        if (fk_kconfig_get(&im->kc, era2_marks[i])) {
            if (why) {
                *why = era2_marks[i];
            }
            return 2;
        }
    }
    for (int i = 0; era1_marks[i]; i++) {
        if (fk_kconfig_get(&im->kc, era1_marks[i])) {
            if (why) {
                *why = era1_marks[i];
            }
            return 1;
        }
    }
    /* Nothing renamed is mentioned: hardware model v2's board qualifiers
     * (Zephyr 3.7 / NCS 2.7 and later) still date the build. */
    if (fk_kconfig_get(&im->kc, "BOARD_QUALIFIERS")) {
        if (why) {
            *why = "BOARD_QUALIFIERS";
        }
        return 2;
    }
    if (why) {
        *why = NULL;
    }
    return 0;
}

const char *doc_era_text(int era)
{
    return era == 2   ? "NCS >= 2.3 Kconfig names (MCUMGR_GRP_IMG, MCUMGR_TRANSPORT_*)"
           : era == 1 ? "NCS <= 2.2 Kconfig names (MCUMGR_CMD_IMG_MGMT, MCUMGR_SMP_*)"
                      : "unknown (no mcumgr or bootloader-mode symbol to tell by)";
}

const struct fk_kc_sym *doc_sym(const struct doc_img *im, enum doc_sym s)
{
    for (int i = 0; i < 3 && aliases[s].name[i]; i++) {
        const struct fk_kc_sym *k = fk_kconfig_get(&im->kc, aliases[s].name[i]);
        if (k) {
            return k;
        }
    }
    return NULL;
}

bool doc_sym_y(const struct doc_img *im, enum doc_sym s)
{
    const struct fk_kc_sym *k = doc_sym(im, s);
    return k && k->type == FK_KC_BOOL;
}

const char *doc_sym_name(const struct doc_img *im, enum doc_sym s)
{
    const struct fk_kc_sym *k = doc_sym(im, s);
    if (k) {
        return k->name;
    }
    int era = doc_era(im, NULL);
    for (int i = 0; i < 3 && aliases[s].name[i]; i++) {
        if (aliases[s].era[i] == era || aliases[s].era[i] == 0) {
            return aliases[s].name[i];
        }
    }
    return aliases[s].name[0];
}
