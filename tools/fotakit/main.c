/*
 * fotakit: the host CLI. Dispatches to one subcommand per component.
 * Exit codes (all subcommands): 0 success, 1 a negative verdict (invalid
 * image, layout errors), 2 bad usage or unreadable input.
 */
#include <stdio.h>
#include <string.h>

struct fk_cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

#define FK_CLI_DECL(n) int fk_cli_##n(int argc, char **argv);
#ifdef FK_CLI_HAVE_IMAGE
FK_CLI_DECL(image)
#endif
#ifdef FK_CLI_HAVE_LAYOUT
FK_CLI_DECL(layout)
#endif
#ifdef FK_CLI_HAVE_DEVICE
FK_CLI_DECL(device)
#endif
#ifdef FK_CLI_HAVE_SMP
FK_CLI_DECL(smp)
#endif
#ifdef FK_CLI_HAVE_DEMO
FK_CLI_DECL(demo)
#endif
#ifdef FK_CLI_HAVE_DOCTOR
FK_CLI_DECL(doctor)
#endif

static const struct fk_cli_cmd cmds[] = {
#ifdef FK_CLI_HAVE_IMAGE
    {"image", fk_cli_image, "sign, verify and inspect MCUboot images; manage keys"},
#endif
#ifdef FK_CLI_HAVE_LAYOUT
    {"layout", fk_cli_layout, "check a pm_static.yml against a board file; generate the header; draw it"},
#endif
#ifdef FK_CLI_HAVE_DEVICE
    {"device", fk_cli_device, "run a virtual device (bootloader + application) on simulated flash"},
#endif
#ifdef FK_CLI_HAVE_SMP
    {"smp", fk_cli_smp, "talk to a device over SMP (mcumgr): echo, image list/upload/test/confirm, reset"},
#endif
#ifdef FK_CLI_HAVE_DOCTOR
    {"doctor", fk_cli_doctor, "check an nRF Connect SDK build folder for what breaks an update"},
#endif
#ifdef FK_CLI_HAVE_DEMO
    {"demo", fk_cli_demo, "a full update on a virtual device, end to end"},
#endif
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fotakit <command> [options]   (fotakit <command> --help)\n\ncommands:\n");
    for (size_t i = 0; cmds[i].name; i++) {
        fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
    }
    fprintf(f, "\nexit codes: 0 success, 1 negative verdict (invalid image, layout errors),\n"
               "            2 bad usage or unreadable input\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("fotakit %s\n", FOTAKIT_VERSION);
        return 0;
    }
    for (size_t i = 0; cmds[i].name; i++) {
        if (!strcmp(argv[1], cmds[i].name)) {
            return cmds[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "fotakit: unknown command '%s'; run 'fotakit --help' for the list\n", argv[1]);
    return 2;
}
