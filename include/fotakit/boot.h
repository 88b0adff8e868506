/*
 * fotakit boot: the bootloader core (fk_boot_go) and the application-side
 * calls that drive it (set pending, confirm, read state), MCUboot-compatible.
 *
 * Contract between components: the SMP server and the virtual device call the
 * application-side functions below. Extend, but keep their meaning.
 */
#ifndef FOTAKIT_BOOT_H
#define FOTAKIT_BOOT_H

#include <stdbool.h>
#include <stdint.h>

#include "fotakit/flash.h"
#include "fotakit/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the application sees of one slot's trailer, decoded. */
struct fk_boot_slot_state {
    bool magic_good;  /* trailer magic present */
    uint8_t image_ok; /* raw value: 0x01 set, 0xff unset, other = corrupt */
    uint8_t copy_done;
    uint8_t swap_type; /* low nibble of swap_info */
};

/* Swap the bootloader will perform at next reset, as MCUboot names them. */
enum fk_swap_type {
    FK_SWAP_NONE = 1,
    FK_SWAP_TEST = 2,
    FK_SWAP_PERM = 3,
    FK_SWAP_REVERT = 4,
    FK_SWAP_FAIL = 5,
};

/* Offset inside the secondary slot at which an uploaded image must start
 * (0, or one sector in for a swap-offset style design). The SMP server writes
 * uploads there; fk_boot_go() reads the new image there. */
uint32_t fk_boot_secondary_image_off(const struct fk_flash_map *map);

/* Largest image (header + payload + TLVs) an update can carry with this map,
 * once the trailer and any spare sector are reserved. */
uint32_t fk_boot_max_image_size(const struct fk_flash_map *map);

/* Mark the image in the secondary slot for the next reset: a test upgrade
 * (reverted unless confirmed) or, with permanent, a permanent one. Writes
 * the secondary trailer exactly as MCUboot's boot_set_pending() does. */
int fk_boot_set_pending(const struct fk_flash_map *map, bool permanent);

/* Confirm the running (primary) image: writes image_ok = 0x01 in the primary
 * trailer, as MCUboot's boot_set_confirmed() does. Idempotent. */
int fk_boot_confirm(const struct fk_flash_map *map);

/* Decode a slot's trailer (FK_AREA_ID_PRIMARY or FK_AREA_ID_SECONDARY). */
int fk_boot_read_slot_state(const struct fk_flash_map *map, uint8_t area_id,
                            struct fk_boot_slot_state *out);

/* The swap type the bootloader would choose at the next reset, from both
 * trailers (MCUboot's boot_swap_type()). */
int fk_boot_swap_type(const struct fk_flash_map *map);

#ifdef __cplusplus
}
#endif
#endif
