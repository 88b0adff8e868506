/* Trusted keys of the virtual device: what a real bootloader has compiled in. */
#include "device_priv.h"

#include "fotakit/host/image.h"

#include <stdlib.h>
#include <string.h>

int fk_dev_keys_load(struct fk_device *d, char *err, size_t errlen)
{
    for (unsigned i = 0; i < d->cfg.nkeys; i++) {
        d->key_der[i] = malloc(FK_KEY_DER_MAX);
        if (!d->key_der[i]) {
            return FK_ENOMEM;
        }
        char e[512];
        int rc = fk_image_key_load_pem(d->cfg.keys[i], &d->keys[i], d->key_der[i], FK_KEY_DER_MAX, e, sizeof e);
        if (rc) {
            snprintf(err, errlen, "--key %s: %s", d->cfg.keys[i], e);
            return rc;
        }
    }
    d->ring.keys = d->keys;
    d->ring.count = d->cfg.nkeys;
    d->ring.allow_hash_only = d->cfg.allow_hash_only;
    return 0;
}

void fk_dev_keys_free(struct fk_device *d)
{
    for (unsigned i = 0; i < FK_DEVICE_MAX_KEYS; i++) {
        free(d->key_der[i]);
        d->key_der[i] = NULL;
    }
}
