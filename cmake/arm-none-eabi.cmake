# Toolchain file for the Cortex-M presets (Debian gcc-arm-none-eabi + newlib).
# FOTAKIT_FW_CPU (cache, set by the preset) picks the core: cortex-m4 (the
# default, nRF52840 and the mps2-an386 board), cortex-m33 (nRF5340), cortex-m3
# (QEMU emcraft-sf2), cortex-m0 (QEMU microbit, nRF51). Soft-float everywhere:
# no start-up code has to enable an FPU, and fotakit has no float arithmetic.
if(NOT FOTAKIT_FW_CPU)
  set(FOTAKIT_FW_CPU cortex-m4)
endif()
# try_compile() re-reads this file in a scratch project: pass the core on.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FOTAKIT_FW_CPU)
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_SIZE arm-none-eabi-size)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_C_FLAGS_INIT "-mcpu=${FOTAKIT_FW_CPU} -mthumb -mfloat-abi=soft -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
