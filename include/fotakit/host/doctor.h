/*
 * fotakit doctor (host only; library fotakit_host_doctor): reads an existing
 * nRF Connect SDK build folder (child-image or sysbuild layout), and reports
 * what will make a firmware update fail before anything is flashed
 * (docs/doctor.md lists every check with an example).
 *
 * Three readers, each callable on a buffer (the fuzz targets use them):
 *   - Kconfig results (`zephyr/.config`, sysbuild's `SB_CONFIG_` too);
 *   - devicetree (`zephyr/zephyr.dts`): compiled by Debian's `dtc` to a blob,
 *     read with libfdt; line numbers come from dtc's own `-T` annotation;
 *   - the Partition Manager's partitions.yml / pm_static.yml, through the
 *     layout room's loader (fotakit/host/layout.h).
 * Every reader returns FK_OK or a negative fk_err and then writes one
 * sentence into err naming the file, the line and what is wrong:
 *   FK_EIO     the file cannot be read, or dtc cannot be run
 *   FK_EINVAL  the content is not what the file name promises (garbage,
 *              truncated, empty), e.g. "zephyr/.config:12: 'CONFIG_FOO' has
 *              no '=': not a Kconfig line (is the file truncated?)"
 *   FK_ELAYOUT_SYNTAX / FK_ELAYOUT_LIMIT  from the layout loader
 */
#ifndef FOTAKIT_HOST_DOCTOR_H
#define FOTAKIT_HOST_DOCTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fotakit/host/layout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FK_DOC_PATH_LEN 512
#define FK_DOC_ERR_LEN 600
#define FK_DOC_MAX_FILE (4u << 20) /* .config / .dts larger than 4 MiB are refused */

/* ---- Kconfig (.config) ------------------------------------------------- */

enum fk_kc_type {
    FK_KC_NOT_SET = 0, /* "# CONFIG_X is not set" (the bool/tristate 'n') */
    FK_KC_BOOL,        /* y or m */
    FK_KC_STRING,      /* "..." (value unescaped) */
    FK_KC_HEX,         /* 0x... */
    FK_KC_INT,         /* decimal, may be negative */
};

struct fk_kc_sym {
    char *name;         /* without the CONFIG_ / SB_CONFIG_ prefix */
    char *value;        /* "y", the unescaped string, the number as written; "" if not set */
    enum fk_kc_type type;
    long long num;      /* FK_KC_HEX / FK_KC_INT value */
    unsigned line;      /* 1-based */
};

struct fk_kconfig {
    char path[FK_DOC_PATH_LEN]; /* as given, for messages */
    bool sysbuild;              /* the lines were SB_CONFIG_ (sysbuild's own .config) */
    struct fk_kc_sym *sym;      /* sorted by name */
    size_t count;
};

/* Parse a .config. Accepts exactly what Kconfig writes: blank lines,
 * comments, `PREFIX_NAME=value` (y, m, n, "string", 0xhex, int) and
 * `# PREFIX_NAME is not set`, one prefix (CONFIG_ or SB_CONFIG_) per file,
 * each symbol once, the file ending with a newline. Anything else is
 * FK_EINVAL with file:line. On error *out is empty (nothing to free). */
int fk_doctor_kconfig_parse(const char *name, const void *buf, size_t len,
                            struct fk_kconfig *out, char *err, size_t errlen);
int fk_doctor_kconfig_load(const char *path, struct fk_kconfig *out, char *err, size_t errlen);
void fk_doctor_kconfig_free(struct fk_kconfig *k);
/* The symbol (name without prefix), or NULL when the .config does not mention it. */
const struct fk_kc_sym *fk_kconfig_get(const struct fk_kconfig *k, const char *name);
/* True when the symbol is y/m. */
bool fk_kconfig_y(const struct fk_kconfig *k, const char *name);

/* ---- devicetree (zephyr.dts) ---------------------------------------------- */

struct fk_dts_line; /* (node path, property) -> line, internal */

struct fk_dts {
    char path[FK_DOC_PATH_LEN];
    void *blob;              /* flattened devicetree (malloc'd), checked with fdt_check_full */
    size_t blob_len;
    struct fk_dts_line *lines; /* sorted; NULL when read from a blob */
    size_t nlines;
};

/* Compile DTS source with `dtc -I dts -O dtb -@` (and `-O dts -T` for the
 * line map); dtc's diagnostics become the error sentence. name is used in
 * messages. A temporary directory under $TMPDIR (else /tmp) holds dtc's
 * input and output while it runs; dtc is given 20 s. */
int fk_doctor_dts_parse(const char *name, const void *buf, size_t len, struct fk_dts *out,
                        char *err, size_t errlen);
int fk_doctor_dts_load(const char *path, struct fk_dts *out, char *err, size_t errlen);
/* A blob already compiled (no dtc run; no line numbers). */
int fk_doctor_dtb_parse(const char *name, const void *buf, size_t len, struct fk_dts *out,
                        char *err, size_t errlen);
void fk_doctor_dts_free(struct fk_dts *d);
/* Line of node `path` (prop NULL) or of its property `prop`; 0 if unknown. */
unsigned fk_dts_line(const struct fk_dts *d, const char *path, const char *prop);

/* What the doctor needs to know about one flash device in a devicetree. */
enum fk_dts_flash_kind {
    FK_DTS_FLASH_NONE = 0,
    FK_DTS_FLASH_SOC,      /* the SoC's flash (zephyr,flash) */
    FK_DTS_FLASH_SPI_NOR,  /* "jedec,spi-nor" under an SPI(M) controller */
    FK_DTS_FLASH_QSPI_NOR, /* "nordic,qspi-nor" under the QSPI peripheral */
    FK_DTS_FLASH_OTHER,    /* any other compatible */
};

struct fk_dts_flash {
    enum fk_dts_flash_kind kind;
    char path[160];          /* node path */
    char label[48];          /* node label (dtc -@ symbols) or the legacy `label` property */
    char compatible[64];     /* first compatible string */
    bool okay;               /* status absent or "okay"/"ok" */
    char bus_path[160];      /* parent controller node ("" for SoC flash) */
    char bus_label[48];
    char bus_compatible[64];
    bool bus_okay;
    uint64_t size;           /* bytes (jedec,spi-nor / qspi `size` is in bits; reg for SoC) */
    uint32_t erase_size;     /* erase-block-size, 0 if absent */
    uint8_t jedec_id[3];
    bool has_jedec_id;
};

/* Describe the node at `path` (FK_ENOENT if absent). */
int fk_dts_flash_at(const struct fk_dts *d, const char *path, struct fk_dts_flash *out);
/* Path of a chosen property (e.g. "nordic,pm-ext-flash"), "" if absent. */
const char *fk_dts_chosen(const struct fk_dts *d, const char *prop, char *buf, size_t len);
/* Find flash nodes of a kind (SPI_NOR / QSPI_NOR): up to max, returns the count. */
size_t fk_dts_flash_all(const struct fk_dts *d, enum fk_dts_flash_kind kind,
                        struct fk_dts_flash *out, size_t max);
/* Node path with node label or legacy label property `label` ("" if none). */
const char *fk_dts_find_label(const struct fk_dts *d, const char *label, char *buf, size_t len);

/* ---- partitions.yml -------------------------------------------------------- */

/* partitions.yml / pm_static.yml through the layout loader (FK_LAYOUT_MAX_PARTS
 * partitions, unknown keys refused except the partition manager's own). */
int fk_doctor_partitions_parse(const char *name, const void *buf, size_t len,
                               struct fk_layout *out, char *err, size_t errlen);

/* ---- the doctor ------------------------------------------------------------ */

enum fk_doc_sev { FK_DOC_NOTE = 0, FK_DOC_WARNING = 1, FK_DOC_ERROR = 2 };

#define FK_DOC_MAX_EVID 6
#define FK_DOC_MAX_FINDINGS 64

struct fk_doc_finding {
    enum fk_doc_sev sev;
    unsigned check;           /* 1..7: the check of docs/doctor.md that found it */
    char id[32];              /* stable short name, e.g. "driver-missing" */
    char image[32];           /* "app", "mcuboot", "sysbuild", "netcore", "build" */
    char msg[768];            /* what is wrong and what happens at run time */
    char evid[FK_DOC_MAX_EVID][320]; /* "file:line: the line or fact" */
    unsigned nevid;
    char fix_file[FK_DOC_PATH_LEN]; /* the file to edit ("" when no single line fixes it) */
    char fix_line[256];       /* the line to add there */
};

struct fk_doc_image {
    char name[32];            /* "app", "mcuboot", "sysbuild", "netcore", or the folder name */
    char dir[FK_DOC_PATH_LEN];/* folder holding zephyr/.config */
    bool has_dts;
};

#define FK_DOC_MAX_IMAGES 8

struct fk_doc_report {
    char build[FK_DOC_PATH_LEN];  /* the folder holding partitions.yml */
    char source[FK_DOC_PATH_LEN]; /* project sources ("" if none) */
    char layout_kind[16];         /* "child-image" or "sysbuild" */
    char era[64];                 /* e.g. "NCS >= 2.3 (MCUMGR_GRP_IMG names)" */
    struct fk_doc_image img[FK_DOC_MAX_IMAGES];
    unsigned nimg;
    unsigned count, dropped, errors, warnings, notes;
    struct fk_doc_finding f[FK_DOC_MAX_FINDINGS]; /* grouped by image, most severe first */
};

/*
 * Examine a build folder. `source` (NULL: none) is the project folder whose
 * prj.conf / child_image / sysbuild / pm_static*.yml the fixes should name;
 * when `build` holds no partitions.yml but one folder below it does, that
 * folder is the build and `build` the source (unless `source` is given).
 * Returns FK_OK (the report says errors/warnings), or a negative fk_err when
 * the folder is not an NCS build or a file cannot be read; then err says
 * what and where.
 */
int fk_doctor_run(const char *build, const char *source, struct fk_doc_report *r, char *err,
                  size_t errlen);

void fk_doctor_print(FILE *out, const struct fk_doc_report *r);
void fk_doctor_print_json(FILE *out, const struct fk_doc_report *r);
const char *fk_doctor_sev_name(enum fk_doc_sev s);

#ifdef __cplusplus
}
#endif
#endif
