/*
 * What the bootloader's log/why lines print beyond plain text and numbers
 * (those come from fotakit/str_buf.h, device code: no snprintf), and the
 * boot reason names.
 */
#include "boot_priv.h"

void fk_bsb_hex(struct fk_sb *sb, uint32_t v)
{
    fk_sb_puts(sb, "0x");
    fk_sb_hex(sb, v, 0);
}

void fk_bsb_ver(struct fk_sb *sb, const struct fk_image_version *v)
{
    fk_sb_putc(sb, 'v');
    fk_sb_dec(sb, v->major);
    fk_sb_putc(sb, '.');
    fk_sb_dec(sb, v->minor);
    fk_sb_putc(sb, '.');
    fk_sb_dec(sb, v->revision);
    fk_sb_putc(sb, '+');
    fk_sb_dec(sb, v->build);
}

void fk_bsb_err(struct fk_sb *sb, int err)
{
    fk_sb_puts(sb, fk_err_name(err));
    fk_sb_puts(sb, ": ");
    fk_sb_puts(sb, fk_err_str(err));
}

const char *fk_boot_reason_name(enum fk_boot_reason r)
{
    switch (r) {
    case FK_BOOT_R_NONE: return "none";
    case FK_BOOT_R_UPGRADED_TEST: return "upgraded-test";
    case FK_BOOT_R_UPGRADED_PERM: return "upgraded-permanent";
    case FK_BOOT_R_REVERTED: return "reverted";
    case FK_BOOT_R_OVERWRITTEN: return "overwritten";
    case FK_BOOT_R_SEC_INVALID: return "secondary-invalid";
    case FK_BOOT_R_SEC_DOWNGRADE: return "secondary-downgrade";
    case FK_BOOT_R_SEC_DEAD: return "secondary-dead";
    case FK_BOOT_R_REVERT_IMPOSSIBLE: return "revert-impossible";
    case FK_BOOT_R_STUCK: return "stuck";
    case FK_BOOT_R_NO_IMAGE: return "no-image";
    case FK_BOOT_R_COUNTER: return "counter-unreadable";
    case FK_BOOT_R_HELD: return "held";
    }
    return "?";
}
