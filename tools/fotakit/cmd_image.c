/*
 * fotakit image: sign, verify and inspect MCUboot images; manage keys.
 * Options and meanings follow MCUboot's imgtool (docs/image.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_image.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit image <command> [options]\n"
            "\n"
            "commands (imgtool's names and options):\n"
            "  sign [options] INFILE OUTFILE   make a signed MCUboot image (.bin or .hex in and out)\n"
            "  verify [-k KEY]... [--enc-key PRIV] IMAGE\n"
            "                                  check an image (exit 0 valid, 1 invalid with the reason);\n"
            "                                  an encrypted one after decrypting it with PRIV\n"
            "  decrypt --enc-key PRIV IN OUT   write IN with its payload decrypted (header, TLVs as they are)\n"
            "  info [--json] IMAGE             decode header, TLVs and trailer, with the integrity verdict\n"
            "  dumpinfo [-f human|json] [-o FILE] IMAGE\n"
            "                                  imgtool dumpinfo's output, byte for byte\n"
            "  keygen -k FILE -t TYPE          new key: ecdsa-p256 | ecdsa-p384 | ed25519 | rsa-2048 |\n"
            "                                  x25519 (PKCS#8 PEM)\n"
            "  getpriv -k KEY [-f FMT] [--minimal]  the decryption key as MCUboot builds it in (C array)\n"
            "  keyinfo -k KEY [--require private|public]  is KEY a key pair or a public key\n"
            "  getpub -k KEY [-e pem|raw|lang-c] [-o FILE]\n"
            "                                  the public key as MCUboot embeds it (default lang-c)\n"
            "  getpubhash -k KEY [-e lang-c|raw] [-o FILE]\n"
            "                                  SHA-256 of that public key (= the KEYHASH TLV)\n"
            "\n"
            "verification policy:\n"
            "  without -k, verify checks integrity only (header, TLV bounds, SHA-256 hash) and\n"
            "  says that NO signature was checked; with -k (a private or public PEM, repeatable)\n"
            "  it requires a valid signature by one of the given keys, found by the image's\n"
            "  KEYHASH TLV or by a PUBKEY TLV equal to a given key. A signature by a given key\n"
            "  that does not verify rejects the image. The device verifier requires a signature\n"
            "  by a compiled-in key unless built with the development option that accepts\n"
            "  hash-only images.\n"
            "\n"
            "run 'fotakit image <command> --help' for a command's options.\n"
            "exit codes: 0 success, 1 negative verdict (invalid image, does not fit), 2 bad usage or\n"
            "unreadable input\n");
}

int fk_cli_image(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return FK_EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        usage(stdout);
        return FK_EXIT_OK;
    }
    if (!strcmp(c, "sign")) return fk_cli_image_sign(argc - 1, argv + 1);
    if (!strcmp(c, "verify")) return fk_cli_image_verify(argc - 1, argv + 1);
    if (!strcmp(c, "info")) return fk_cli_image_info(argc - 1, argv + 1);
    if (!strcmp(c, "dumpinfo")) return fk_cli_image_dumpinfo(argc - 1, argv + 1);
    if (!strcmp(c, "keygen")) return fk_cli_image_keygen(argc - 1, argv + 1);
    if (!strcmp(c, "getpub")) return fk_cli_image_getpub(argc - 1, argv + 1);
    if (!strcmp(c, "getpubhash")) return fk_cli_image_getpubhash(argc - 1, argv + 1);
    if (!strcmp(c, "getpriv")) return fk_cli_image_getpriv(argc - 1, argv + 1);
    if (!strcmp(c, "keyinfo")) return fk_cli_image_keyinfo(argc - 1, argv + 1);
    if (!strcmp(c, "decrypt")) return fk_cli_image_decrypt(argc - 1, argv + 1);
    fprintf(stderr, "fotakit image: unknown command '%s'; run 'fotakit image --help'\n", c);
    return FK_EXIT_USAGE;
}
