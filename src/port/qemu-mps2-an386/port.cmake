# qemu-mps2-an386 for src/firmware/CMakeLists.txt (see its header).
set(FK_PORT_LAYOUT ${CMAKE_CURRENT_LIST_DIR}/pm_static.yml)
set(FK_PORT_BOARD ${CMAKE_CURRENT_LIST_DIR}/board.yml)
set(FK_PORT_SOURCES ${CMAKE_CURRENT_LIST_DIR}/port.c ${CMAKE_CURRENT_LIST_DIR}/nvmc_emu.c)
set(FK_PORT_DEFS FK_CM_IRQ_COUNT=32)
# The bootloader runs from QEMU's -kernel copy in ssram1 at 0x0 (4 MB; 128 KB
# allowed here, so the default build's bootloader with encrypted images, two
# images and serial recovery links: about 83 KB. On a chip it would have to
# fit the layout's 32 KB mcuboot partition, which only the -small build's
# 23.5 KB does; the 24 KB goal is measured by scripts/firmware-bench).
set(FK_PORT_BOOT_ORIGIN 0x00000000)
set(FK_PORT_BOOT_LENGTH 128K)
set(FK_PORT_RAM_ORIGIN 0x20000000)
set(FK_PORT_RAM_LENGTH 256K)
# Device index -> CPU address (mps2_an386.h: MPS2_FLASH_*_BASE).
set(FK_PORT_XIP_0 0x21000000)
set(FK_PORT_XIP_1 0x21800000)
# The instruction-count bench firmware (src/firmware/bench_main.c) runs here.
set(FK_PORT_BENCH ON)
# FOTAKIT_FW_IMAGES=2: image 0 as in pm_static.yml plus image 1's two slots.
set(FK_PORT_LAYOUT_2 ${CMAKE_CURRENT_LIST_DIR}/pm_static_2.yml)
