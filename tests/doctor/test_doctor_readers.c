#define DT_TAG "readers"
#include "dt_util.h"
int main(void) { return 0; }
