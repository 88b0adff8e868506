/*
 * fk_doctor_cli: `fotakit doctor` alone (tools/fotakit/cmd_doctor.c with a
 * tiny main), so the doctor tests run the real CLI and its exit codes.
 */
int fk_cli_doctor(int argc, char **argv);

int main(int argc, char **argv)
{
    argv[0] = "doctor";
    return fk_cli_doctor(argc, argv);
}
