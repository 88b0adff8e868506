# nrf52840 DK (Cortex-M4) for src/firmware/CMakeLists.txt (see its header):
# the shared Nordic port (src/port/nrf) with this chip's register header,
# DK wiring (board.h) and bootloader lock (protect.c), over the seed layout
# ../shared/layouts/nrf52840-spi-nor-2mb.*. Built and linked only: never run
# on silicon here (docs/firmware.md).
set(FK_PORT_LAYOUT ${FOTAKIT_SHARED_DIR}/layouts/nrf52840-spi-nor-2mb.pm_static.yml)
set(FK_PORT_BOARD ${FOTAKIT_SHARED_DIR}/layouts/nrf52840-spi-nor-2mb.board.yml)
set(fk_nrf_dir ${CMAKE_CURRENT_LIST_DIR}/../nrf)
set(FK_PORT_SOURCES ${fk_nrf_dir}/nrf_port.c ${fk_nrf_dir}/nrf_spim.c ${fk_nrf_dir}/nrf_uarte.c
  ${fk_nrf_dir}/nrf_nvmc_port.c ${CMAKE_CURRENT_LIST_DIR}/protect.c)
# Header paths relative to src/port/nrf, where the shared sources include them.
set(FK_PORT_DEFS FK_CM_IRQ_COUNT=48 FK_NRF_REGS="../nrf52840/nrf52840_regs.h"
  FK_NRF_BOARD="../nrf52840/board.h")
# The bootloader executes from its layout partition, mcuboot: 0x0..0xc000.
set(FK_PORT_BOOT_ORIGIN 0x00000000)
set(FK_PORT_BOOT_LENGTH 48K)
set(FK_PORT_RAM_ORIGIN 0x20000000)
set(FK_PORT_RAM_LENGTH 256K)
# Device index -> CPU address: flash_primary (0) is the internal flash at 0;
# external_flash (1) is SPI NOR, not memory-mapped.
set(FK_PORT_XIP_0 0x0)
