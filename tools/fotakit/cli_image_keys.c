/* fotakit image keygen | getpub | getpubhash (imgtool's options and output). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "cli_image.h"

int fk_cli_image_keygen(int argc, char **argv)
{
    const char *path = NULL, *type = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: fotakit image keygen -k FILE -t ecdsa-p256|ecdsa-p384|ed25519|rsa-2048|x25519\n"
                   "  writes a new private key as unencrypted PKCS#8 PEM (as imgtool keygen);\n"
                   "  x25519 keys encrypt images (sign -E with the public half), they do not sign\n");
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, "-k", "--key", true, &v, &bad)) {
            path = v;
        } else if (fk_cli_opt(argc, argv, &i, "-t", "--type", true, &v, &bad)) {
            type = v;
        } else {
            fprintf(stderr, "fotakit image keygen: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || path == NULL || type == NULL) {
        if (!bad) fprintf(stderr, "fotakit image keygen: need -k FILE and -t TYPE\n");
        return FK_EXIT_USAGE;
    }
    enum fk_key_type t = fk_key_type_from_name(type);
    if (t == 0) {
        fprintf(stderr, "fotakit image keygen: -t %s: use ecdsa-p256, ecdsa-p384, ed25519, rsa-2048 or x25519\n", type);
        return FK_EXIT_USAGE;
    }
    char err[512];
    if (fk_host_keygen(t, path, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image keygen: %s\n", err);
        return FK_EXIT_USAGE;
    }
    return FK_EXIT_OK;
}

static int getpub_common(int argc, char **argv, bool hash)
{
    const char *name = hash ? "getpubhash" : "getpub";
    const char *path = NULL, *enc = "lang-c", *outp = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            if (hash) {
                printf("usage: fotakit image getpubhash -k KEY [-e lang-c|raw] [-o FILE]\n"
                       "  SHA-256 of the public key as MCUboot embeds it (= the KEYHASH TLV value)\n");
            } else {
                printf("usage: fotakit image getpub -k KEY [-e lang-c|pem|raw] [-o FILE]\n"
                       "  the public key: lang-c (C array, default), pem (SPKI PEM) or raw (the DER\n"
                       "  bytes MCUboot embeds: SPKI for ECDSA/Ed25519, PKCS#1 for RSA)\n");
            }
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, "-k", "--key", true, &v, &bad)) {
            path = v;
        } else if (fk_cli_opt(argc, argv, &i, "-e", "--encoding", true, &v, &bad)) {
            enc = v;
        } else if (fk_cli_opt(argc, argv, &i, "-o", "--output", true, &v, &bad)) {
            outp = v;
        } else if (fk_cli_opt(argc, argv, &i, "-l", "--lang", true, &v, &bad)) {
            enc = v; /* old imgtool spelling */
        } else {
            fprintf(stderr, "fotakit image %s: unexpected argument '%s'\n", name, argv[i]);
            bad = true;
        }
    }
    if (bad || path == NULL) {
        if (!bad) fprintf(stderr, "fotakit image %s: need -k KEY\n", name);
        return FK_EXIT_USAGE;
    }
    if (strcmp(enc, "lang-c") && strcmp(enc, "raw") && (hash || strcmp(enc, "pem"))) {
        fprintf(stderr, "fotakit image %s: -e %s: use %s\n", name, enc, hash ? "lang-c or raw" : "lang-c, pem or raw");
        return FK_EXIT_USAGE;
    }
    struct fk_host_key k;
    char err[512];
    if (fk_host_key_load(path, &k, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image %s: %s\n", name, err);
        return FK_EXIT_USAGE;
    }
    uint8_t h[32];
    const uint8_t *bin = k.der;
    size_t binlen = k.der_len;
    char *text = NULL;
    if (hash) {
        SHA256(k.der, k.der_len, h);
        bin = h;
        binlen = 32;
        if (!strcmp(enc, "lang-c")) text = fk_host_pubhash_lang_c(k.type, h);
    } else if (!strcmp(enc, "lang-c")) {
        text = fk_host_pub_lang_c(k.type, k.der, k.der_len);
    } else if (!strcmp(enc, "pem")) {
        text = fk_host_pub_pem(&k);
    }
    int ret = FK_EXIT_OK;
    const void *data = text ? (const void *)text : (const void *)bin;
    size_t dlen = text ? strlen(text) : binlen;
    if (strcmp(enc, "raw") && text == NULL) {
        fprintf(stderr, "fotakit image %s: cannot encode the key\n", name);
        ret = FK_EXIT_USAGE;
    } else if (outp != NULL) {
        if (fk_file_write(outp, data, dlen, err, sizeof err) != FK_OK) {
            fprintf(stderr, "fotakit image %s: %s\n", name, err);
            ret = FK_EXIT_USAGE;
        }
    } else if (fwrite(data, 1, dlen, stdout) != dlen) {
        ret = FK_EXIT_USAGE;
    }
    free(text);
    fk_host_key_free(&k);
    return ret;
}

int fk_cli_image_getpub(int argc, char **argv)
{
    return getpub_common(argc, argv, false);
}

int fk_cli_image_getpubhash(int argc, char **argv)
{
    return getpub_common(argc, argv, true);
}

/* imgtool getpriv: the private key as the C array MCUboot builds in to
 * decrypt images (enc_priv_key[]). */
int fk_cli_image_getpriv(int argc, char **argv)
{
    const char *path = NULL, *fmt = NULL;
    bool minimal = false, bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: fotakit image getpriv -k KEY [-f pkcs8|openssl] [--minimal]\n"
                   "  the private key as the C array MCUboot builds into the bootloader to decrypt\n"
                   "  images (enc_priv_key[]), as imgtool getpriv: EC P-256 and X25519 PKCS#8 (EC also\n"
                   "  openssl), RSA openssl (PKCS#1); --minimal drops what decryption does not need\n"
                   "  (EC: the public key; RSA: the CRT values). Ed25519 keys are refused, as in imgtool.\n");
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, "-k", "--key", true, &v, &bad)) {
            path = v;
        } else if (fk_cli_opt(argc, argv, &i, "-f", "--format", true, &v, &bad)) {
            fmt = v;
        } else if (!strcmp(argv[i], "--minimal")) {
            minimal = true;
        } else {
            fprintf(stderr, "fotakit image getpriv: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || path == NULL) {
        if (!bad) fprintf(stderr, "fotakit image getpriv: need -k KEY\n");
        return FK_EXIT_USAGE;
    }
    if (fmt != NULL && strcmp(fmt, "pkcs8") && strcmp(fmt, "openssl")) {
        fprintf(stderr, "fotakit image getpriv: -f %s: use pkcs8 or openssl\n", fmt);
        return FK_EXIT_USAGE;
    }
    struct fk_host_key k;
    char err[512];
    uint8_t *der = NULL;
    size_t dlen = 0;
    if (fk_host_key_load(path, &k, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image getpriv: %s\n", err);
        return FK_EXIT_USAGE;
    }
    int ret = FK_EXIT_USAGE;
    if (fk_host_priv_der(&k, fmt, minimal, &der, &dlen, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image getpriv: %s: %s\n", path, err);
    } else {
        char *text = fk_host_priv_lang_c(der, dlen);
        if (text != NULL && fputs(text, stdout) >= 0) {
            ret = FK_EXIT_OK;
        }
        free(text);
    }
    free(der);
    fk_host_key_free(&k);
    return ret;
}

/* imgtool keyinfo: "private" or "public"; --require KIND exits 2 otherwise. */
int fk_cli_image_keyinfo(int argc, char **argv)
{
    const char *path = NULL, *require = NULL;
    bool bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        const char *v = NULL;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: fotakit image keyinfo -k KEY [--require private|public]\n"
                   "  prints whether KEY is a key pair (private) or a public key, and its type;\n"
                   "  with --require, exits 1 when the kind differs (for build scripts)\n");
            return FK_EXIT_OK;
        } else if (fk_cli_opt(argc, argv, &i, "-k", "--key", true, &v, &bad)) {
            path = v;
        } else if (fk_cli_opt(argc, argv, &i, NULL, "--require", true, &v, &bad)) {
            require = v;
        } else {
            fprintf(stderr, "fotakit image keyinfo: unexpected argument '%s'\n", argv[i]);
            bad = true;
        }
    }
    if (bad || path == NULL) {
        if (!bad) fprintf(stderr, "fotakit image keyinfo: need -k KEY\n");
        return FK_EXIT_USAGE;
    }
    if (require != NULL && strcmp(require, "private") && strcmp(require, "public")) {
        fprintf(stderr, "fotakit image keyinfo: --require %s: use private or public\n", require);
        return FK_EXIT_USAGE;
    }
    struct fk_host_key k;
    char err[512];
    if (fk_host_key_load(path, &k, err, sizeof err) != FK_OK) {
        fprintf(stderr, "fotakit image keyinfo: %s\n", err);
        return FK_EXIT_USAGE;
    }
    const char *kind = k.is_private ? "private" : "public";
    printf("%s\n", kind);
    fprintf(stderr, "%s: %s %s key\n", path, fk_key_type_name(k.type), kind);
    fk_host_key_free(&k);
    if (require != NULL && strcmp(require, kind) != 0) {
        fprintf(stderr, "fotakit image keyinfo: %s is a %s key, but %s was required\n", path, kind, require);
        return FK_EXIT_VERDICT;
    }
    return FK_EXIT_OK;
}
