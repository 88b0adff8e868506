/*
 * fotakit doctor BUILD_DIR [--source DIR] [--json]
 * Exit codes: 0 no errors (warnings and notes allowed), 1 errors found,
 * 2 bad usage, or the folder is not an NCS build or cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fotakit/host/doctor.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: fotakit doctor BUILD_DIR [--source DIR] [--json]\n"
            "\n"
            "Reads an nRF Connect SDK build folder (the one 'west build' wrote, holding\n"
            "partitions.yml; child-image or sysbuild layout, found by itself) and reports\n"
            "what will make a firmware update fail, before anything is flashed: flash\n"
            "drivers missing in an image that must open a slot (the run-time -19), drivers\n"
            "for disabled nodes, the external flash differing between images, partition\n"
            "alignment and bounds, MCUboot's mode, sector and signature limits, and the\n"
            "application's update path. Each finding names the image, the evidence\n"
            "(file:line) and the line to add to which file (docs/doctor.md).\n"
            "\n"
            "  --source DIR  the project folder (prj.conf, child_image/, sysbuild/,\n"
            "                pm_static*.yml): fixes and evidence name its files. When\n"
            "                BUILD_DIR holds no partitions.yml but one folder below it\n"
            "                does, that is the build and BUILD_DIR the source.\n"
            "  --json        one JSON object (findings with severity, check, image,\n"
            "                evidence, fix) instead of the text report\n"
            "\n"
            "Needs Debian's dtc (device-tree-compiler) to read zephyr.dts.\n"
            "exit codes: 0 no errors (warnings allowed), 1 errors found, 2 bad usage or\n"
            "not an NCS build / a file that cannot be read\n");
}

int fk_cli_doctor(int argc, char **argv)
{
    const char *build = NULL, *source = NULL;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--source") && i + 1 < argc) {
            source = argv[++i];
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "fotakit doctor: unknown or incomplete option '%s'\n", a);
            return 2;
        } else if (!build) {
            build = a;
        } else {
            fprintf(stderr, "fotakit doctor: unexpected argument '%s' (one BUILD_DIR only)\n", a);
            return 2;
        }
    }
    if (!build) {
        fprintf(stderr, "fotakit doctor: need BUILD_DIR\n");
        usage(stderr);
        return 2;
    }
    struct fk_doc_report *r = malloc(sizeof *r);
    if (!r) {
        fprintf(stderr, "fotakit doctor: out of memory\n");
        return 2;
    }
    char err[FK_DOC_ERR_LEN];
    int rc = fk_doctor_run(build, source, r, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "fotakit doctor: %s\n", err);
        free(r);
        return 2;
    }
    if (json) {
        fk_doctor_print_json(stdout, r);
    } else {
        fk_doctor_print(stdout, r);
    }
    int ex = r->errors ? 1 : 0;
    free(r);
    return ex;
}
