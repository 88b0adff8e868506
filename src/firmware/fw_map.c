/* The flash map from the generated layout header (fw.h). */
#include <stddef.h>

#include "fotakit/port.h"
#include "fotakit_layout.h"
#include "fw.h"

#define FK_FW_AREA(id_, name_, dev_, off_, size_) \
    {.id = (id_), .name = #name_, .dev = NULL, .off = (off_), .size = (size_)},
#define FK_FW_AREA_DEV(id_, name_, dev_, off_, size_) (dev_),

static struct fk_flash_area areas[] = {FK_LAYOUT_AREAS(FK_FW_AREA)};
static const uint8_t area_dev[] = {FK_LAYOUT_AREAS(FK_FW_AREA_DEV)};
static const struct fk_flash_map map = {.areas = areas, .count = sizeof areas / sizeof areas[0]};

const struct fk_flash_map *fk_fw_map(void)
{
    for (size_t i = 0; i < map.count; i++) {
        areas[i].dev = fk_port_flash(area_dev[i]);
    }
    return &map;
}

int fk_fw_dev_index(const struct fk_flash_dev *dev)
{
    for (unsigned d = 0; d < FK_LAYOUT_DEV_COUNT; d++) {
        if (fk_port_flash(d) == dev) {
            return (int)d;
        }
    }
    return -1;
}
