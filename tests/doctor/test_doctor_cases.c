#define DT_TAG "cases"
#include "dt_util.h"
int main(void) { return 0; }
