# Toolchain file for the cortex-m4 preset (Debian gcc-arm-none-eabi + newlib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_SIZE arm-none-eabi-size)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# FOTAKIT_CPU: the -mcpu of the firmware target (presets set it; cortex-m4
# by default). Passed on to try_compile.
if(NOT FOTAKIT_CPU)
  set(FOTAKIT_CPU cortex-m4)
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FOTAKIT_CPU)
set(CMAKE_C_FLAGS_INIT "-mcpu=${FOTAKIT_CPU} -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_MINSIZEREL_INIT "-Os")
# Firmware must fit its flash partition (the nRF bootloaders: the layouts'
# 48 KB), so every build type optimises for size: Debug -Og (debuggable;
# -O0 makes the nRF bootloader 88 KB), Release and RelWithDebInfo -Os
# (CMake's -O3 makes it 62 KB). Cache entries, so -D on the command line
# still overrides them.
set(CMAKE_C_FLAGS_DEBUG "-Og -g" CACHE STRING "C flags for Debug (firmware: -Og, fits its partition)")
set(CMAKE_C_FLAGS_RELEASE "-Os -DNDEBUG" CACHE STRING "C flags for Release (firmware: -Os)")
set(CMAKE_C_FLAGS_RELWITHDEBINFO "-Os -g -DNDEBUG" CACHE STRING
    "C flags for RelWithDebInfo (firmware: -Os)")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
