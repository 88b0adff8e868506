/*
 * fk_layout_cli: `fotakit layout` alone (tools/fotakit/cmd_layout.c with a
 * tiny main), so the layout tests exercise the real CLI code and exit codes
 * without depending on every other component's subcommand linking.
 * Usage: fk_layout_cli check|header|draw ...  (as `fotakit layout ...`).
 */
int fk_cli_layout(int argc, char **argv);

int main(int argc, char **argv)
{
    argv[0] = "layout";
    return fk_cli_layout(argc, argv);
}
