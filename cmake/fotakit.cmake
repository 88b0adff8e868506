# Helpers shared by the component CMakeLists.

# Host-only targets (tools, simulation, tests) may use POSIX.
function(fotakit_host_target t)
  target_compile_definitions(${t} PRIVATE _POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
endfunction()

# fotakit_test(NAME name SOURCES a.c b.c LIBS lib... [TIMEOUT s] [LABELS l...])
# A cmocka unit test registered with ctest. Tests find ../shared through the
# FOTAKIT_SHARED_DIR definition and the source tree through FOTAKIT_SOURCE_DIR.
function(fotakit_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  target_compile_definitions(${T_NAME} PRIVATE
    FOTAKIT_SHARED_DIR="${FOTAKIT_SHARED_DIR}"
    FOTAKIT_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    FOTAKIT_BINARY_DIR="${CMAKE_BINARY_DIR}")
  fotakit_host_target(${T_NAME})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT})
  if(T_LABELS)
    set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}")
  endif()
endfunction()
