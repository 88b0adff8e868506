/* bench/upload --ble (ble.c): the BLE link-model rows. */
#ifndef BENCH_UPLOAD_BLE_H
#define BENCH_UPLOAD_BLE_H
#include <stdbool.h>
/* Print the calibration and fotakit rows for the board file at board_path.
 * 0, or 2 when the board file lacks what the model needs. */
int ble_bench(bool json, const char *board_path);
#endif
