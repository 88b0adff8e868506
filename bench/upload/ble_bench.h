/* bench/upload --ble (ble.c): the BLE link-model rows. */
#ifndef BENCH_UPLOAD_BLE_H
#define BENCH_UPLOAD_BLE_H
#include <stdbool.h>
/* Print the calibration and fotakit rows for the board file at board_path;
 * with realtime, also the measured rows (the virtual device on a paced
 * blesim link; about 40 s). 0, or 2 when the board file lacks what the
 * model needs or the measured run fails. */
int ble_bench(bool json, const char *board_path, bool realtime);
#endif
