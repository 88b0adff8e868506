# fk_testfw(<target> LD <linker script> SOURCES <src>... LIBS <lib>...)
# A firmware ELF that runs a driver's tests on an emulated CPU: the board's
# sources, the shared reporter (fw_test.c), the generic Cortex-M start-up
# (src/port/cortex-m/startup.c), its own linker script (MEMORY, then
# INCLUDE sections.ld from src/port/cortex-m), a map file for
# scripts/firmware-check, and its size printed after each link.
set(FK_TESTFW_DIR ${CMAKE_CURRENT_LIST_DIR})
set(FK_TESTFW_CM ${CMAKE_SOURCE_DIR}/src/port/cortex-m)
function(fk_testfw t)
  cmake_parse_arguments(F "" "LD" "SOURCES;LIBS" ${ARGN})
  add_executable(${t} ${F_SOURCES} ${FK_TESTFW_DIR}/fw_test.c ${FK_TESTFW_CM}/startup.c)
  set_target_properties(${t} PROPERTIES SUFFIX ".elf" LINK_DEPENDS "${F_LD};${FK_TESTFW_CM}/sections.ld")
  target_link_libraries(${t} PRIVATE ${F_LIBS} fotakit_common)
  set(map ${CMAKE_CURRENT_BINARY_DIR}/${t}.map)
  target_link_options(${t} PRIVATE -nostartfiles -specs=nano.specs -specs=nosys.specs
    -L${FK_TESTFW_CM} -T${F_LD} -Wl,--gc-sections -Wl,-Map=${map} -Wl,--cref)
  set_property(TARGET ${t} APPEND PROPERTY ADDITIONAL_CLEAN_FILES ${map})
  add_custom_command(TARGET ${t} POST_BUILD COMMAND ${CMAKE_SIZE} $<TARGET_FILE:${t}> VERBATIM)
endfunction()
