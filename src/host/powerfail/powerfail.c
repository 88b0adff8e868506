/*
 * Host helpers for bootloader tests and benches: simulated boards with flash
 * maps from the shared layouts, test images, snapshots, and the power-loss
 * harness (see host_pf.h and docs/boot.md "Power loss").
 */
#include "fotakit/host/powerfail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fotakit/host/image.h"
#include "fotakit/le.h"
#ifdef FK_HAVE_LAYOUT
#include "fotakit/host/layout.h"
#endif

static void env_log(void *ctx, const char *line)
{
    struct fk_env *e = ctx;
    snprintf(e->last_log, sizeof e->last_log, "%s", line);
    e->log_lines++;
    if (e->echo) {
        fprintf(stderr, "[boot] %s\n", line);
    }
}

static const char *board_for(const char *layout)
{
    if (strcmp(layout, "nrf52840-spi-nor-2mb") == 0) {
        return "nrf52840-spi-nor-2mb";
    }
    if (strcmp(layout, "nrf5340-spi-nor-2mb") == 0) {
        return "nrf5340-spi-nor-2mb";
    }
    if (strcmp(layout, "nrf52840-internal-only") == 0 || strcmp(layout, "compat-internal") == 0) {
        return "nrf52840";
    }
    if (strcmp(layout, "tight-ext") == 0) {
        return "nrf52840-spi-nor-2mb";
    }
    return NULL;
}

/* ---- checking wrapper ---------------------------------------------------- */

static struct fk_chk_dev *chk_of(struct fk_flash_dev *d)
{
    return (struct fk_chk_dev *)d; /* dev is the first member */
}

static int chk_read(struct fk_flash_dev *d, uint32_t off, void *buf, size_t len)
{
    struct fk_chk_dev *c = chk_of(d);
    return c->inner->ops->read(c->inner, off, buf, len);
}

static int chk_prog(struct fk_flash_dev *d, uint32_t off, const void *buf, size_t len)
{
    struct fk_chk_dev *c = chk_of(d);
    const uint8_t *b = buf;
    uint8_t ev = c->dev.erased_val;
    for (size_t i = 0; i < len; i++) {
        uint8_t cur = c->shadow[off + i];
        if ((uint8_t)(cur & b[i]) != b[i]) {
            c->violations++;
        } else if (b[i] != ev && cur != ev) {
            c->reprogs++;
        }
    }
    if (c->wcount != NULL) {
        for (uint32_t w = off / 4; w < (off + len + 3) / 4; w++) {
            if (++c->wcount[w] > 2) {
                c->violations++;
            }
        }
    }
    int rc = c->inner->ops->prog(c->inner, off, buf, len);
    if (rc == FK_OK) {
        for (size_t i = 0; i < len; i++) {
            c->shadow[off + i] &= b[i];
        }
    }
    return rc;
}

static int chk_erase(struct fk_flash_dev *d, uint32_t off, size_t len)
{
    struct fk_chk_dev *c = chk_of(d);
    int rc = c->inner->ops->erase(c->inner, off, len);
    if (rc == FK_OK) {
        memset(c->shadow + off, c->dev.erased_val, len);
        if (c->wcount != NULL) {
            memset(c->wcount + off / 4, 0, len / 4);
        }
    }
    return rc;
}

static int chk_sync(struct fk_flash_dev *d)
{
    struct fk_chk_dev *c = chk_of(d);
    return c->inner->ops->sync ? c->inner->ops->sync(c->inner) : FK_OK;
}

static const struct fk_flash_ops chk_ops = {chk_read, chk_prog, chk_erase, chk_sync};

void fk_env_resync(struct fk_env *e)
{
    for (unsigned i = 0; i < e->sb.count; i++) {
        struct fk_chk_dev *c = &e->chk[i];
        struct fk_flash_dev *in = c->inner;
        c->dev.state = in->state;
        c->dev.size = in->size;
        c->dev.erase_size = in->erase_size;
        c->dev.write_size = in->write_size;
        c->dev.erased_val = in->erased_val;
        memcpy(c->dev.why, in->why, sizeof c->dev.why);
        size_t size;
        uint8_t *m = fk_sim_dev_mem(in, &size);
        if (c->shadow != NULL && m != NULL) {
            memcpy(c->shadow, m, size);
        }
        if (c->wcount != NULL) {
            memset(c->wcount, 0, size / 4);
        }
    }
}

uint64_t fk_env_violations(const struct fk_env *e)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < e->sb.count; i++) {
        n += e->chk[i].violations;
    }
    return n;
}

uint64_t fk_env_reprogs(const struct fk_env *e)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < e->sb.count; i++) {
        n += e->chk[i].reprogs;
    }
    return n;
}

static int wrap_devs(struct fk_env *e)
{
    for (unsigned i = 0; i < e->sb.count; i++) {
        struct fk_chk_dev *c = &e->chk[i];
        struct fk_flash_dev *in = &e->sb.dev[i]->dev;
        memset(c, 0, sizeof *c);
        c->inner = in;
        c->dev = *in;
        c->dev.ops = &chk_ops;
        c->dev.ctx = c;
        c->shadow = malloc(in->size);
        if (c->shadow == NULL) {
            return FK_ENOMEM;
        }
        if (e->sb.dev[i]->kind == FK_KIND_INTERNAL) {
            c->wcount = calloc(in->size / 4, 1);
            if (c->wcount == NULL) {
                return FK_ENOMEM;
            }
        }
    }
    fk_env_resync(e);
    return FK_OK;
}

static struct fk_flash_dev *env_dev(struct fk_env *e, const char *name)
{
    for (unsigned i = 0; i < e->sb.count; i++) {
        if (strcmp(e->sb.dev[i]->name, name) == 0) {
            return &e->chk[i].dev;
        }
    }
    return NULL;
}

static int build_sim(struct fk_env *e, uint32_t force_ws, char *err, size_t errlen)
{
    struct fk_sim_opts o;
    memset(&o, 0, sizeof o);
    o.force_write_size = force_ws;
    /* Strict chip models (a violation fails the operation) plus the
     * checking wrapper's own count (host_pf.h). */
    o.lenient = 0;
    int rc = fk_sim_board_build(&e->sb, &e->board, &o);
    if (rc != FK_OK) {
        snprintf(err, errlen, "%s: cannot build the simulated board: %s", e->name, fk_err_str(rc));
        return rc;
    }
    e->sb_built = true;
    rc = wrap_devs(e);
    if (rc != FK_OK) {
        snprintf(err, errlen, "%s: out of memory", e->name);
    }
    return rc;
}

int fk_env_open(struct fk_env *e, const char *shared_dir, const char *layout, uint32_t force_ws,
                char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", layout);
    const char *board = board_for(layout);
    if (board == NULL) {
        snprintf(err, errlen, "unknown layout '%s'", layout);
        return FK_ENOENT;
    }
    char path[512];
    int rc;
#ifdef FK_HAVE_LAYOUT
    snprintf(path, sizeof path, "%s/layouts/%s.board.yml", shared_dir, board);
    rc = fk_board_load(path, &e->board, err, errlen);
#else
    (void)shared_dir;
    rc = fk_sim_board_preset(&e->board, board);
#endif
    if (rc != FK_OK) {
        return rc;
    }
    rc = build_sim(e, force_ws, err, errlen);
    if (rc != FK_OK) {
        return rc;
    }
    if (strcmp(layout, "compat-internal") == 0) {
        struct fk_flash_dev *d = env_dev(e, "flash_primary");
        e->areas[0] = (struct fk_flash_area){FK_AREA_ID_BOOTLOADER, "mcuboot", d, 0, 0xc000};
        e->areas[1] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", d, 0xc000, 0x76000};
        e->areas[2] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", d, 0x82000, 0x75000};
        e->map.areas = e->areas;
        e->map.count = 3;
    } else if (strcmp(layout, "tight-ext") == 0) {
        /* 9-unit slots on two chips: a 7-unit swap has no free secondary
         * unit past the spare, so the parking unit is in the primary */
        struct fk_flash_dev *d = env_dev(e, "flash_primary"), *x = env_dev(e, "external_flash");
        e->areas[0] = (struct fk_flash_area){FK_AREA_ID_BOOTLOADER, "mcuboot", d, 0, 0xc000};
        e->areas[1] = (struct fk_flash_area){FK_AREA_ID_PRIMARY, "mcuboot_primary", d, 0xc000, 0x9000};
        e->areas[2] = (struct fk_flash_area){FK_AREA_ID_SECONDARY, "mcuboot_secondary", x, 0, 0x9000};
        e->map.areas = e->areas;
        e->map.count = 3;
    } else {
#ifdef FK_HAVE_LAYOUT
        e->layout = calloc(1, sizeof *e->layout);
        if (e->layout == NULL) {
            return FK_ENOMEM;
        }
        snprintf(path, sizeof path, "%s/layouts/%s.pm_static.yml", shared_dir, layout);
        rc = fk_layout_load(path, e->layout, err, errlen);
        if (rc != FK_OK) {
            return rc;
        }
        struct fk_flash_dev *devs[FK_BOARD_MAX_DEVS];
        for (unsigned i = 0; i < e->board.count; i++) {
            devs[i] = env_dev(e, e->board.dev[i].name);
        }
        rc = fk_layout_flash_map(e->layout, devs, e->board.count, e->areas, FK_ENV_MAX_AREAS, &e->map);
        if (rc != FK_OK) {
            snprintf(err, errlen, "%s: flash map: %s", layout, fk_err_str(rc));
            return rc;
        }
#else
        snprintf(err, errlen, "layout '%s' needs the layout library", layout);
        return FK_ENOTSUP;
#endif
    }
    e->keys.keys = NULL;
    e->keys.count = 0;
    e->keys.allow_hash_only = true;
    e->cfg.map = &e->map;
    e->cfg.keys = &e->keys;
    e->cfg.log = env_log;
    e->cfg.ctx = e;
    e->cfg.buf = e->work;
    e->cfg.buf_size = sizeof e->work;
    return FK_OK;
}

void fk_env_close(struct fk_env *e)
{
    if (e->sb_built) {
        for (unsigned i = 0; i < e->sb.count; i++) {
            free(e->chk[i].shadow);
            free(e->chk[i].wcount);
        }
        fk_sim_board_free(&e->sb);
        e->sb_built = false;
    }
    free(e->layout);
    e->layout = NULL;
}

int fk_env_trust_key(struct fk_env *e, const char *der_path)
{
    FILE *f = fopen(der_path, "rb");
    if (f == NULL) {
        return FK_EIO;
    }
    size_t n = fread(e->key_der, 1, sizeof e->key_der, f);
    fclose(f);
    e->key.type = FK_KEY_ECDSA_P256;
    e->key.der = e->key_der;
    e->key.der_len = n;
    e->keys.keys = &e->key;
    e->keys.count = 1;
    e->keys.allow_hash_only = false;
    return FK_OK;
}

const struct fk_flash_area *fk_env_area(struct fk_env *e, uint8_t id)
{
    for (size_t i = 0; i < e->map.count; i++) {
        if (e->areas[i].id == id) {
            return &e->areas[i];
        }
    }
    return NULL;
}

int fk_env_write(struct fk_env *e, uint8_t id, uint32_t off, const void *data, size_t len)
{
    const struct fk_flash_area *fa = fk_env_area(e, id);
    if (fa == NULL || fa->dev == NULL) {
        return FK_ENOENT;
    }
    uint32_t es = fa->dev->erase_size, ws = fa->dev->write_size ? fa->dev->write_size : 1;
    uint32_t start = off - off % es, end = (uint32_t)(off + len);
    end = (end + es - 1) / es * es;
    int rc = fk_flash_erase(fa, start, end - start);
    if (rc != FK_OK) {
        return rc;
    }
    /* pad to the write size with erased bytes */
    size_t plen = (len + ws - 1) / ws * ws;
    uint8_t *buf = malloc(plen);
    if (buf == NULL) {
        return FK_ENOMEM;
    }
    memset(buf, fk_flash_erased_val(fa), plen);
    memcpy(buf, data, len);
    rc = fk_flash_write(fa, off, buf, plen);
    free(buf);
    if (rc == FK_OK) {
        rc = fk_flash_sync(fa);
    }
    return rc;
}

int fk_env_erase_area(struct fk_env *e, uint8_t id)
{
    const struct fk_flash_area *fa = fk_env_area(e, id);
    if (fa == NULL) {
        return FK_ENOENT;
    }
    int rc = fk_flash_erase(fa, 0, fa->size);
    return rc == FK_OK ? fk_flash_sync(fa) : rc;
}

static uint8_t *test_image(uint32_t *total_io, uint8_t major, uint32_t seed, uint32_t sec_cnt,
                           const char *kek_path, const uint8_t *aes_key)
{
    uint32_t total = *total_io;
    uint32_t tlv = 40 + (sec_cnt ? 12 : 0) + (kek_path ? 28 : 0); /* ENC_KW: 4 + 24 */
    if (total < 0x200 + tlv + 16) {
        return NULL;
    }
    uint32_t plen = total - 0x200 - tlv;
    if (kek_path != NULL) {
        plen -= plen % 16; /* sign -E pads the payload to 16 bytes */
        total = 0x200 + plen + tlv;
    }
    uint8_t *payload = malloc(plen);
    if (payload == NULL) {
        return NULL;
    }
    uint32_t x = seed * 2654435761u + 12345;
    for (uint32_t i = 0; i < plen; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        payload[i] = (uint8_t)x;
    }
    struct fk_sign_opts o;
    fk_sign_opts_init(&o);
    o.header_size = 0x200;
    o.pad_header = true;
    o.version.major = major;
    if (sec_cnt) {
        o.has_security_counter = true;
        o.security_counter = sec_cnt;
    }
    o.enc_key_path = kek_path;
    o.enc_plainkey = aes_key;
    uint8_t *out = NULL;
    size_t out_len = 0;
    char err[256];
    int rc = fk_image_sign(&o, payload, plen, &out, &out_len, err, sizeof err);
    free(payload);
    if (rc != FK_OK || out_len != total) {
        free(out);
        return NULL;
    }
    *total_io = total;
    return out;
}

int fk_snap_take(struct fk_env *e, struct fk_snap *s)
{
    memset(s, 0, sizeof *s);
    fk_sim_board_sync(&e->sb);
    for (unsigned i = 0; i < e->sb.count; i++) {
        size_t size;
        uint8_t *m = fk_sim_dev_mem(&e->sb.dev[i]->dev, &size);
        s->mem[i] = malloc(size);
        if (s->mem[i] == NULL) {
            fk_snap_free(s);
            return FK_ENOMEM;
        }
        memcpy(s->mem[i], m, size);
        s->size[i] = size;
        s->n = i + 1;
    }
    return FK_OK;
}

void fk_snap_restore(struct fk_env *e, const struct fk_snap *s)
{
    fk_sim_power_cut(&e->sb); /* drop any chip work in flight */
    fk_sim_power_restore(&e->sb);
    for (unsigned i = 0; i < s->n; i++) {
        size_t size;
        uint8_t *m = fk_sim_dev_mem(&e->sb.dev[i]->dev, &size);
        memcpy(m, s->mem[i], s->size[i] < size ? s->size[i] : size);
        struct fk_sim_dev *sd = e->sb.dev[i];
        if (sd->kind == FK_KIND_INTERNAL && sd->ichip.writes != NULL) {
            memset(sd->ichip.writes, 0, sd->ichip.mem.size / 4);
        }
    }
    fk_sim_board_heal(&e->sb); /* snapshots are taken with every cell sound */
    fk_sim_board_reset_stats(&e->sb);
    fk_sim_power_arm(&e->sb, 0, FK_SIM_CUT_NONE, 0);
    fk_env_resync(e);
    for (unsigned i = 0; i < e->sb.count; i++) {
        e->chk[i].violations = e->chk[i].reprogs = 0;
    }
}

void fk_snap_free(struct fk_snap *s)
{
    for (unsigned i = 0; i < s->n; i++) {
        free(s->mem[i]);
    }
    memset(s, 0, sizeof *s);
}

/* ---- power-loss harness ------------------------------------------------ */
uint8_t *fk_test_image(uint32_t total, uint8_t major, uint32_t seed, uint32_t sec_cnt)
{
    return test_image(&total, major, seed, sec_cnt, NULL, NULL);
}

uint8_t *fk_test_image_enc(uint32_t *total, uint8_t major, uint32_t seed, const char *kek_path,
                           const uint8_t aes_key[16], uint8_t **plain)
{
    uint8_t *ct = test_image(total, major, seed, 0, kek_path, aes_key);
    struct fk_enc_key k;
    char err[256];
    *plain = NULL;
    if (ct == NULL || fk_enc_key_load(kek_path, &k, err, sizeof err) != FK_OK) {
        free(ct);
        return NULL;
    }
    int rc = fk_image_decrypt_buf(ct, *total, &k, plain, err, sizeof err);
    fk_enc_key_free(&k);
    if (rc != FK_OK) {
        free(ct);
        return NULL;
    }
    return ct;
}

static char kek_name[64];

static void kek_unlink(void)
{
    unlink(kek_name);
}

const uint8_t *fk_test_kek(const char **path)
{
    static const uint8_t kek[16] = {0x6b, 0x65, 0x6b, 0x2d, 0x66, 0x6f, 0x74, 0x61,
                                    0x6b, 0x69, 0x74, 0x2d, 0x74, 0x65, 0x73, 0x74};
    char *name = kek_name;
    if (name[0] == '\0') {
        char tmp[] = "/tmp/fotakit-kek-XXXXXX";
        int fd = mkstemp(tmp);
        if (fd < 0) {
            return NULL;
        }
        ssize_t n = write(fd, kek, sizeof kek);
        close(fd);
        if (n != (ssize_t)sizeof kek) {
            unlink(tmp);
            return NULL;
        }
        snprintf(kek_name, sizeof kek_name, "%s", tmp);
        atexit(kek_unlink);
    }
    *path = name;
    return kek;
}

const char *fk_pf_scenario_name(enum fk_pf_scenario s)
{
    static const char *n[] = {"test",    "revert",           "permanent",
                              "set-pending", "confirm", "set-pending-perm", "overwrite"};
    return s < FK_PF_SCENARIOS ? n[s] : "?";
}

/* Device code runs through fk_sim_board_run: a power cut unwinds from the
 * chip model back here (a reset), so the device code never sees it. After
 * a cut the result is FK_EIO (no result; fk_sim_power_is_off says why). */
struct pf_call {
    struct fk_pf_run *r;
    struct fk_boot_rsp *rsp;
};

static int call_boot(void *ctx)
{
    struct pf_call *c = ctx;
    return fk_boot_go(&c->r->env.cfg, c->rsp);
}

static int call_action(void *ctx)
{
    struct pf_call *c = ctx;
    switch (c->r->c.scn) {
    case FK_PF_SETPEND:
        return fk_boot_set_pending(&c->r->env.map, false);
    case FK_PF_SETPEND_PERM:
        return fk_boot_set_pending(&c->r->env.map, true);
    case FK_PF_CONFIRM:
        return fk_boot_confirm(&c->r->env.map);
    default:
        return fk_boot_go(&c->r->env.cfg, c->rsp);
    }
}

static int as_device(struct fk_pf_run *r, int (*fn)(void *ctx), struct fk_boot_rsp *rsp)
{
    struct pf_call c = {r, rsp};
    int rc = FK_EIO;
    (void)fk_sim_board_run(&r->env.sb, fn, &c, &rc);
    return rc;
}

static int boot(struct fk_pf_run *r, struct fk_boot_rsp *rsp)
{
    return as_device(r, call_boot, rsp);
}

static int action(struct fk_pf_run *r)
{
    struct fk_boot_rsp rsp;
    return as_device(r, call_action, &rsp);
}

/* 0: primary holds `img` (len bytes) and validates. */
static int primary_is(struct fk_pf_run *r, const uint8_t *img, uint32_t len, const char *when)
{
    const struct fk_flash_area *p = fk_env_area(&r->env, FK_AREA_ID_PRIMARY);
    uint8_t *buf = malloc(len);
    if (buf == NULL) {
        return 1;
    }
    int rc = fk_flash_read(p, 0, buf, len);
    int diff = rc != FK_OK ? -1 : memcmp(buf, img, len);
    uint32_t first = 0;
    if (diff != 0 && rc == FK_OK) {
        while (first < len && buf[first] == img[first]) {
            first++;
        }
    }
    free(buf);
    if (diff != 0) {
        snprintf(r->why, sizeof r->why, "%s: primary is not the %s image (rc %d, first difference at 0x%x); last log: %s",
                 when, img == r->new_img ? "new" : "old", rc, first, r->env.last_log);
        return 1;
    }
    struct fk_image_info info;
    struct fk_image_keyring k = r->env.keys;
    k.enc_plaintext = true; /* the primary holds plaintext */
    rc = fk_image_verify(p, 0, &k, &info);
    if (rc != FK_OK) {
        snprintf(r->why, sizeof r->why, "%s: primary does not validate: %s", when, fk_err_name(rc));
        return 1;
    }
    return 0;
}

/* 0: no 32-byte payload block of either image's plaintext sits anywhere in
 * the secondary (an encrypted case's secrecy oracle). Units move whole, so a
 * block at image offset p can only appear at p modulo the unit. */
static int secondary_clear(struct fk_pf_run *r, const char *when)
{
    if (!r->c.enc) {
        return 0;
    }
    const struct fk_flash_area *sa = fk_env_area(&r->env, FK_AREA_ID_SECONDARY);
    struct fk_boot_geometry g;
    if (sa == NULL || fk_boot_geometry(&r->env.map, &g) != FK_OK) {
        snprintf(r->why, sizeof r->why, "%s: no secondary to check", when);
        return 1;
    }
    uint32_t len = sa->size; /* the whole slot: cheap next to the trials */
    uint8_t *buf = malloc(len);
    if (buf == NULL || fk_flash_read(sa, 0, buf, len) != FK_OK) {
        free(buf);
        snprintf(r->why, sizeof r->why, "%s: secondary unreadable", when);
        return 1;
    }
    const uint8_t *imgs[2] = {r->old_img, r->new_img};
    uint32_t lens[2] = {r->c.old_len, r->c.new_len};
    for (int i = 0; i < 2; i++) {
        uint32_t hs = fk_le16(imgs[i] + 8), is = fk_le32(imgs[i] + 12); /* hdr_size, img_size */
        for (uint32_t p = hs; p + 32 <= hs + is && p + 32 <= lens[i]; p += 32) {
            for (uint32_t base = p % g.unit; base + 32 <= len; base += g.unit) {
                if (memcmp(buf + base, imgs[i] + p, 32) == 0) {
                    snprintf(r->why, sizeof r->why,
                             "%s: the secondary holds plaintext of the %s image (its bytes 0x%x.. at 0x%x)", when,
                             i ? "new" : "old", p, base);
                    free(buf);
                    return 1;
                }
            }
        }
    }
    free(buf);
    return 0;
}

int fk_pf_prepare(struct fk_pf_run *r, const char *shared_dir, const struct fk_pf_case *c)
{
    memset(r, 0, sizeof *r);
    r->c = *c;
    char err[256];
    int rc = fk_env_open(&r->env, shared_dir, c->layout, c->force_ws, err, sizeof err);
    if (rc != FK_OK) {
        snprintf(r->why, sizeof r->why, "%s", err);
        return rc;
    }
    r->env.sb.power.kind_erase = c->kind_erase;
    r->env.sb.power.weak_late = c->weak_late;
    uint8_t *new_sec = NULL; /* the new image as uploaded (ciphertext when enc) */
    if (c->enc) {
        static const uint8_t k_old[16] = "old-image-key-01", k_new[16] = "new-image-key-02";
        const char *kek_path = NULL;
        const uint8_t *kek = fk_test_kek(&kek_path);
        uint8_t *old_ct = NULL;
        if (kek != NULL) {
            /* sizes rounded down so the payload is whole 16-byte blocks */
            old_ct = fk_test_image_enc(&r->c.old_len, 1, 1000u + c->old_len, kek_path, k_old, &r->old_img);
            new_sec = fk_test_image_enc(&r->c.new_len, 2, 2000u + c->new_len, kek_path, k_new, &r->new_img);
        }
        free(old_ct); /* the old image was decrypted into the primary long ago */
        r->dkey = (struct fk_image_enc_key){FK_TLV_ENC_KW, kek, 16};
        r->env.keys.enc = &r->dkey;
    } else {
        r->old_img = fk_test_image(c->old_len, 1, 1000u + c->old_len, 0);
        r->new_img = fk_test_image(c->new_len, 2, 2000u + c->new_len, 0);
    }
    if (r->old_img == NULL || r->new_img == NULL || (c->enc && new_sec == NULL)) {
        free(new_sec);
        snprintf(r->why, sizeof r->why, "cannot make test images");
        return FK_ENOMEM;
    }
    uint32_t soff = fk_boot_secondary_image_off(&r->env.map);
    rc = fk_env_write(&r->env, FK_AREA_ID_PRIMARY, 0, r->old_img, r->c.old_len);
    if (rc == FK_OK) {
        rc = fk_env_write(&r->env, FK_AREA_ID_SECONDARY, soff, c->enc ? new_sec : r->new_img, r->c.new_len);
    }
    free(new_sec);
    if (c->scn == FK_PF_OVERWRITE) {
        r->env.cfg.strategy = FK_BOOT_STRATEGY_OVERWRITE;
    }
    if (rc == FK_OK && c->scn != FK_PF_SETPEND && c->scn != FK_PF_SETPEND_PERM) {
        rc = fk_boot_set_pending(&r->env.map, c->scn == FK_PF_PERM);
    }
    if (rc == FK_OK && (c->scn == FK_PF_REVERT || c->scn == FK_PF_CONFIRM)) {
        struct fk_boot_rsp rsp;
        rc = boot(r, &rsp);
        if (rc == FK_OK && rsp.reason != FK_BOOT_R_UPGRADED_TEST) {
            rc = FK_EINVAL;
        }
    }
    if (rc != FK_OK) {
        snprintf(r->why, sizeof r->why, "setup failed: %s; log: %s", fk_err_name(rc), r->env.last_log);
        return rc;
    }
    rc = fk_snap_take(&r->env, &r->snap);
    if (rc != FK_OK) {
        return rc;
    }
    fk_snap_restore(&r->env, &r->snap);
    rc = action(r);
    r->calls = fk_sim_power_count(&r->env.sb);
    if (rc != FK_OK) {
        snprintf(r->why, sizeof r->why, "uncut action failed: %s; log: %s", fk_err_name(rc), r->env.last_log);
        return rc;
    }
    return FK_OK;
}

void fk_pf_release(struct fk_pf_run *r)
{
    fk_snap_free(&r->snap);
    fk_env_close(&r->env);
    free(r->old_img);
    free(r->new_img);
    r->old_img = r->new_img = NULL;
}

uint32_t fk_pf_recovery_calls(struct fk_pf_run *r, uint32_t k, enum fk_sim_cut mode, uint64_t seed)
{
    fk_snap_restore(&r->env, &r->snap);
    fk_sim_power_arm(&r->env.sb, k, mode, seed);
    (void)action(r);
    fk_sim_power_restore(&r->env.sb);
    fk_sim_power_arm(&r->env.sb, 0, FK_SIM_CUT_NONE, 0);
    fk_env_resync(&r->env);
    struct fk_boot_rsp rsp;
    (void)boot(r, &rsp);
    return fk_sim_power_count(&r->env.sb);
}

int fk_pf_trial(struct fk_pf_run *r, uint32_t k, enum fk_sim_cut mode, uint64_t seed, uint32_t k2,
                uint64_t seed2)
{
    struct fk_pf_run *R = r;
    struct fk_boot_rsp rsp;
    R->why[0] = '\0';
    fk_snap_restore(&R->env, &R->snap);
    fk_sim_power_arm(&R->env.sb, k, mode, seed);
    int rc = action(R);
    bool was_cut = fk_sim_power_is_off(&R->env.sb) != 0;
    fk_sim_power_restore(&R->env.sb);
    fk_sim_power_arm(&R->env.sb, 0, FK_SIM_CUT_NONE, 0);
    fk_env_resync(&R->env);
    if (!was_cut && rc != FK_OK) {
        snprintf(R->why, sizeof R->why, "action failed without a cut: %s", fk_err_name(rc));
        return 1;
    }
    if (secondary_clear(R, "after the cut")) {
        return 1;
    }
    /* A cut in an application write leaves the state before or after. */
    bool after = true;
    if (R->c.scn == FK_PF_SETPEND || R->c.scn == FK_PF_CONFIRM || R->c.scn == FK_PF_SETPEND_PERM) {
        int t = fk_boot_swap_type(&R->env.map);
        if (R->c.scn == FK_PF_SETPEND && (t == FK_SWAP_NONE || t == FK_SWAP_TEST)) {
            after = t == FK_SWAP_TEST;
        } else if (R->c.scn == FK_PF_SETPEND_PERM && (t == FK_SWAP_NONE || t == FK_SWAP_PERM)) {
            after = t == FK_SWAP_PERM;
        } else if (R->c.scn == FK_PF_CONFIRM && (t == FK_SWAP_REVERT || t == FK_SWAP_NONE)) {
            after = t == FK_SWAP_NONE;
        } else {
            snprintf(R->why, sizeof R->why, "cut in %s left a third state: swap type %d",
                     fk_pf_scenario_name(R->c.scn), t);
            return 1;
        }
    }
    /* Recovery boot, optionally cut again. */
    if (k2 != 0) {
        fk_sim_power_arm(&R->env.sb, k2, mode, seed2);
        (void)boot(R, &rsp);
        fk_sim_power_restore(&R->env.sb);
        fk_sim_power_arm(&R->env.sb, 0, FK_SIM_CUT_NONE, 0);
        fk_env_resync(&R->env);
        if (secondary_clear(R, "after the second cut")) {
            return 1;
        }
    }
    rc = boot(R, &rsp);
    if (rc != FK_OK) {
        snprintf(R->why, sizeof R->why, "recovery boot failed: %s; log: %s", fk_err_name(rc), R->env.last_log);
        return 1;
    }
    const uint8_t *want;
    uint32_t want_len;
    const uint8_t *later; /* what the next three boots must show */
    uint32_t later_len;
    switch (R->c.scn) {
    case FK_PF_TEST:
        want = R->new_img, want_len = R->c.new_len, later = R->old_img, later_len = R->c.old_len;
        break;
    case FK_PF_PERM:
    case FK_PF_OVERWRITE:
        want = later = R->new_img, want_len = later_len = R->c.new_len;
        break;
    case FK_PF_SETPEND_PERM:
        want = later = after ? R->new_img : R->old_img;
        want_len = later_len = after ? R->c.new_len : R->c.old_len;
        break;
    case FK_PF_REVERT:
        want = later = R->old_img, want_len = later_len = R->c.old_len;
        break;
    case FK_PF_SETPEND:
        want = after ? R->new_img : R->old_img;
        want_len = after ? R->c.new_len : R->c.old_len;
        later = R->old_img, later_len = R->c.old_len;
        break;
    default: /* confirm */
        want = later = after ? R->new_img : R->old_img;
        want_len = later_len = after ? R->c.new_len : R->c.old_len;
        break;
    }
    if (primary_is(R, want, want_len, "after recovery") || secondary_clear(R, "after recovery")) {
        return 1;
    }
    for (int b = 0; b < 3; b++) {
        /* time passes between boots: with weak_late, bits programmed into
         * weakly erased cells are lost now (a no-op otherwise) */
        fk_sim_board_settle(&R->env.sb);
        fk_env_resync(&R->env);
        rc = boot(R, &rsp);
        if (rc != FK_OK) {
            snprintf(R->why, sizeof R->why, "further boot %d failed: %s; log: %s", b + 1, fk_err_name(rc),
                     R->env.last_log);
            return 1;
        }
        char when[32];
        snprintf(when, sizeof when, "further boot %d", b + 1);
        if (primary_is(R, later, later_len, when) || secondary_clear(R, when)) {
            return 1;
        }
    }
    if (fk_env_violations(&R->env) != 0 || fk_env_reprogs(&R->env) != 0) {
        snprintf(R->why, sizeof R->why, "flash physics: %llu violations, %llu bytes programmed twice",
                 (unsigned long long)fk_env_violations(&R->env),
                 (unsigned long long)fk_env_reprogs(&R->env));
        return 1;
    }
    return 0;
}

/* ---- sweeps ------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static void note_fail(struct fk_pf_totals *t, const struct fk_pf_run *r, uint32_t k, int mode, uint32_t k2)
{
    t->failures++;
    if (t->first_failure[0] == '\0') {
        snprintf(t->first_failure, sizeof t->first_failure, "%s ws=%u %s%s old=%u new=%u k=%u %s k2=%u: %s",
                 r->c.layout, r->c.force_ws, r->c.enc ? "encrypted " : "", fk_pf_scenario_name(r->c.scn), r->c.old_len, r->c.new_len, k,
                 mode == FK_SIM_CUT_TEAR ? "torn" : "before", k2, r->why);
    }
}

int fk_pf_sweep(const char *shared_dir, const char *layout, uint32_t ws, enum fk_pf_scenario scn,
                const struct fk_pf_sweep_opts *o, struct fk_pf_totals *t)
{
    const uint32_t unit = 4096;
    unsigned lo = o->min_units ? o->min_units : 4, hi = o->max_units ? o->max_units : 8;
    for (unsigned n = lo; n <= hi + (o->big_stride ? 1u : 0u); n++) {
        bool big = n > hi;
        struct fk_pf_case c = {layout, ws, scn, 0, 0, o->enc, o->kind_erase, o->weak_late};
        if (big) {
            c.new_len = 460u * 1024u;
            c.old_len = 460u * 1024u - 5000u;
        } else {
            c.new_len = n * unit - 700u;
            /* odd sizes: the old image is the larger one */
            c.old_len = (n % 2) ? n * unit - 100u : (n - 1) * unit + 300u;
        }
        struct fk_pf_run *r = calloc(1, sizeof *r);
        if (r == NULL) {
            return FK_ENOMEM;
        }
        int rc = fk_pf_prepare(r, shared_dir, &c);
        if (rc != FK_OK) {
            t->trials++;
            note_fail(t, r, 0, 0, 0);
            fk_pf_release(r);
            free(r);
            continue;
        }
        uint32_t stride = big ? o->big_stride : (o->stride ? o->stride : 1);
        if (r->calls < 4 * stride) {
            stride = 1; /* short actions (set-pending, confirm): every call */
        }
        for (uint32_t k = 1 + o->offset % stride; k <= r->calls; k += stride) {
            for (int mode = FK_SIM_CUT_BEFORE; mode <= FK_SIM_CUT_TEAR; mode++) {
                uint64_t seed = mix(((uint64_t)k << 20) ^ ((uint64_t)n << 8) ^ (uint64_t)mode ^ ((uint64_t)scn << 40));
                t->trials++;
                if (fk_pf_trial(r, k, (enum fk_sim_cut)mode, seed, 0, 0) != 0) {
                    note_fail(t, r, k, mode, 0);
                }
            }
        }
        for (uint32_t i = 0; i < o->doubles && !big && r->calls > 0; i++) {
            uint64_t s = mix(0x5eed0000ull + i + ((uint64_t)n << 16) + ((uint64_t)scn << 32));
            uint32_t k = 1 + (uint32_t)(s % r->calls);
            enum fk_sim_cut mode = (i % 2) ? FK_SIM_CUT_TEAR : FK_SIM_CUT_BEFORE;
            uint32_t n2 = fk_pf_recovery_calls(r, k, mode, s);
            if (n2 == 0) {
                n2 = 1;
            }
            uint32_t k2 = 1 + (uint32_t)(mix(s) % n2);
            t->trials++;
            t->doubles++;
            if (fk_pf_trial(r, k, mode, s, k2, mix(s + 1)) != 0) {
                note_fail(t, r, k, mode, k2);
            }
        }
        fk_pf_release(r);
        free(r);
    }
    return FK_OK;
}
