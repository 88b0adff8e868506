/* Internals of fotakit doctor shared by its files. */
#ifndef FK_DOCTOR_PRIV_H
#define FK_DOCTOR_PRIV_H

#include <stdarg.h>
#include <stddef.h>

#include "fotakit/err.h"
#include "fotakit/host/doctor.h"

/* Read a whole file (bounded by FK_DOC_MAX_FILE) into a malloc'd,
 * NUL-terminated buffer. err may be NULL. */
int fk_doc_read_file(const char *path, char **buf, size_t *len, char *err, size_t errlen);
/* snprintf for paths and names: a result longer than len is cut (paths
 * longer than FK_DOC_PATH_LEN are refused where they are read). */
void doc_fmt(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

enum doc_role { ROLE_APP, ROLE_MCUBOOT, ROLE_SYSBUILD, ROLE_NETCORE, ROLE_OTHER };

struct doc_img {
    enum doc_role role;
    char name[32];          /* as in the report */
    char dir[FK_DOC_PATH_LEN];
    char cfg_disp[FK_DOC_PATH_LEN]; /* .config path as shown in evidence */
    char dts_disp[FK_DOC_PATH_LEN];
    struct fk_kconfig kc;
    struct fk_dts dts;
    bool have_dts;
};

/* One Kconfig fragment of the project sources (prj.conf, mcuboot.conf ...),
 * read leniently: only `CONFIG_X=...` lines are looked at. */
struct doc_frag {
    char path[FK_DOC_PATH_LEN];  /* "" when the project has none */
    char disp[FK_DOC_PATH_LEN];  /* as shown (relative to the source folder) */
    char *text;
};

struct doc_ctx {
    struct fk_doc_report *r;
    char build[FK_DOC_PATH_LEN];
    char source[FK_DOC_PATH_LEN];
    char bdisp[FK_DOC_PATH_LEN]; /* prefix for evidence paths, e.g. "build" */
    bool sysbuild;
    struct doc_img img[FK_DOC_MAX_IMAGES];
    unsigned nimg;
    int app, mcuboot, sb;        /* indices into img, -1 if absent */
    struct fk_layout pm;         /* partitions.yml */
    char pm_disp[FK_DOC_PATH_LEN];
    char pm_static[FK_DOC_PATH_LEN];      /* path of the project's pm_static*.yml, "" */
    char pm_static_disp[FK_DOC_PATH_LEN];
    struct doc_frag app_conf, boot_conf, sb_conf;
    struct doc_frag boot_more[2]; /* other MCUboot fragments the project has (checked too) */
    char app_overlay[FK_DOC_PATH_LEN];    /* where a devicetree fix for the app goes */
    char boot_overlay[FK_DOC_PATH_LEN];
};

/* ---- findings --------------------------------------------------------------- */
struct fk_doc_finding *doc_add(struct doc_ctx *c, enum fk_doc_sev sev, unsigned check,
                               const char *id, const char *image, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void doc_evid(struct fk_doc_finding *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void doc_fix(struct fk_doc_finding *f, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void doc_sort(struct fk_doc_report *r);

/* Evidence for a Kconfig symbol of an image: "file:line: CONFIG_X=y" or
 * "file: no CONFIG_X line". */
void doc_evid_sym(struct fk_doc_finding *f, const struct doc_img *im, const char *sym);
/* Evidence for a devicetree node / property. */
void doc_evid_dts(struct fk_doc_finding *f, const struct doc_img *im, const char *path,
                  const char *prop, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Evidence for a partition of partitions.yml. */
void doc_evid_part(struct fk_doc_finding *f, const struct doc_ctx *c, const char *part);
/* Line of `CONFIG_<sym>=` in a source fragment (0: not there); value into v. */
unsigned doc_frag_line(const struct doc_frag *fr, const char *sym, char *v, size_t vlen);

/* ---- symbols, eras ---------------------------------------------------------- */
enum doc_sym {
    SYM_GRP_IMG,
    SYM_GRP_OS,
    SYM_TRANSPORT_BT,
    SYM_TRANSPORT_UART,
    SYM_TRANSPORT_UDP,
    SYM_TRANSPORT_SHELL,
    SYM_NETBUF_SIZE,
    SYM_BT_REASSEMBLY,
    SYM_BT_ACL_RX_SIZE,
    SYM_COUNT
};
/* The symbol's name as this image's Kconfig has it (the alias present in
 * the .config, else the name of the image's era). */
const char *doc_sym_name(const struct doc_img *im, enum doc_sym s);
/* The symbol itself (any alias), NULL if the .config does not mention it. */
const struct fk_kc_sym *doc_sym(const struct doc_img *im, enum doc_sym s);
bool doc_sym_y(const struct doc_img *im, enum doc_sym s);
/* Era of an image's Kconfig: 0 unknown, 1 NCS <= 2.2 names, 2 NCS >= 2.3 names. */
int doc_era(const struct doc_img *im, const char **why);
/* Human text for the era. */
const char *doc_era_text(int era);

/* ---- discovery and checks ---------------------------------------------------- */
int doc_find(struct doc_ctx *c, const char *build, const char *source, char *err, size_t errlen);
void doc_find_sources(struct doc_ctx *c);
void doc_check_flash(struct doc_ctx *c);   /* checks 1, 2, 3 */
void doc_check_layout(struct doc_ctx *c);  /* check 4 */
void doc_check_boot(struct doc_ctx *c);    /* check 5 */
void doc_check_update(struct doc_ctx *c);  /* check 6 */
/* Check 7: lines of a project fragment the built image did not take. */
void doc_check_fragment(struct doc_ctx *c, const struct doc_frag *fr, const struct doc_img *im);

/* Partition helpers. */
const struct fk_layout_part *doc_part(const struct doc_ctx *c, const char *name);
/* Resolve the devicetree node of the external flash in an image: chosen
 * nordic,pm-ext-flash, else the label PM named the device by. "" if none;
 * *how says which ("chosen nordic,pm-ext-flash", "label W25Q32JV"). */
const char *doc_ext_flash_node(const struct doc_ctx *c, const struct doc_img *im, char *buf,
                               size_t len, const char **how);
/* Erase size of the SoC's flash in an image (devicetree, else SoC family table). */
uint32_t doc_soc_erase(const struct doc_img *im, const char **how);

#endif
