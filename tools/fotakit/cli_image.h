/* fotakit image: shared CLI helpers (host only). */
#ifndef FOTAKIT_CLI_IMAGE_H
#define FOTAKIT_CLI_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fotakit/image.h"
#include "fotakit/host/image.h"

/* Exit codes shared by all fotakit subcommands. */
#define FK_EXIT_OK 0
#define FK_EXIT_VERDICT 1
#define FK_EXIT_USAGE 2

/* Option matcher for "-k VALUE", "--key VALUE", "--key=VALUE" and flags.
 * If argv[*i] is `sname` or `lname` (either may be NULL): returns true, and
 * for options with a value sets *val (advancing *i past a separate value);
 * *bad is set when the value is missing (the error is printed). */
bool fk_cli_opt(int argc, char **argv, int *i, const char *sname, const char *lname, bool has_val,
                const char **val, bool *bad);

/* Parse imgtool-style integers: decimal, 0x.., 0o.., 0b... */
bool fk_cli_parse_u32(const char *s, uint32_t *out);
/* "1.2.3+4", "1.2", "2" */
bool fk_cli_parse_version(const char *s, struct fk_image_version *v);

int fk_cli_image_sign(int argc, char **argv);
int fk_cli_image_verify(int argc, char **argv);
int fk_cli_image_info(int argc, char **argv);
int fk_cli_image_dumpinfo(int argc, char **argv);
/* A TLV type's name as imgtool dumpinfo prints it ("ECDSASIG", "UNKNOWN", ...). */
const char *fk_cli_imgtool_tlv_name(uint16_t type);
int fk_cli_image_keygen(int argc, char **argv);
int fk_cli_image_getpub(int argc, char **argv);
int fk_cli_image_getpubhash(int argc, char **argv);
int fk_cli_image_getpriv(int argc, char **argv);
int fk_cli_image_keyinfo(int argc, char **argv);
int fk_cli_image_decrypt(int argc, char **argv);

/* Load a decryption key (--enc-key) as the device verifier takes it: the
 * private key's DER in imgtool getpriv's default form (*der malloc'ed), or
 * the raw KEK; dek points into *der. */
int fk_cli_load_enc_key(const char *path, struct fk_enc_key *ek, struct fk_image_enc_key *dek, uint8_t **der,
                        char *err, size_t errlen);

/* Load an image file (.bin or .hex) into memory. Prints the error. */
int fk_cli_load_image(const char *path, uint8_t **data, size_t *len);

#endif
