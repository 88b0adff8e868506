# Crypto libraries as targets, the same names on the host and on the device:
#   fk::bearssl  SHA-256, ECDSA P-256 (and the RSA public operation)
#   fk::sodium   Ed25519
# Host: Debian's -dev packages. Cortex-M4: built from Debian's source packages
# fetched into the build folder (cmake/debsrc.cmake).
if(NOT CMAKE_CROSSCOMPILING)
  find_library(FK_BEARSSL_LIB bearssl REQUIRED)
  add_library(fk_bearssl INTERFACE)
  target_link_libraries(fk_bearssl INTERFACE ${FK_BEARSSL_LIB})
  add_library(fk::bearssl ALIAS fk_bearssl)
  pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
  add_library(fk_sodium INTERFACE)
  target_link_libraries(fk_sodium INTERFACE PkgConfig::SODIUM)
  add_library(fk::sodium ALIAS fk_sodium)
elseif(EXISTS ${CMAKE_SOURCE_DIR}/cmake/debsrc.cmake)
  include(${CMAKE_SOURCE_DIR}/cmake/debsrc.cmake)
endif()
