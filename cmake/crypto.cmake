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
elseif(NOT "image" IN_LIST FOTAKIT_COMPONENTS AND NOT "smp" IN_LIST FOTAKIT_COMPONENTS)
  # A device build without image and smp (e.g. the flash-driver test
  # firmware) needs no crypto: nothing to fetch.
else()
  # Cross build: Debian's source packages, fetched into the build folder and
  # compiled with the toolchain's flags (-mcpu=cortex-m4 -mthumb -Os
  # -ffunction-sections -fdata-sections). Third-party code: its own warnings
  # never fail our build (-w instead of -Wall -Wextra -Werror), GNU C11.
  include(${CMAKE_SOURCE_DIR}/cmake/debsrc.cmake)
  option(FOTAKIT_DEVICE_ED25519 "device verifier: Ed25519 (libsodium) support" OFF)

  # BearSSL: the primitives' folders (hashes, MACs, KDF, big integers, EC,
  # RSA, block ciphers, codecs) into one static library; --gc-sections keeps
  # only what the firmware calls. The TLS engine and X.509 (src/ssl,
  # src/x509, src/aead) are never used on the device and are a fifth of the
  # compile time of every firmware preset, so they are not compiled. No OS
  # entropy or clock on the device.
  fk_debsrc(bearssl FK_BEARSSL_SRC)
  set(fk_bearssl_sources ${FK_BEARSSL_SRC}/src/settings.c)
  foreach(d codec ec hash int kdf mac rand rsa symcipher)
    file(GLOB fk_bearssl_d ${FK_BEARSSL_SRC}/src/${d}/*.c)
    list(APPEND fk_bearssl_sources ${fk_bearssl_d})
  endforeach()
  add_library(fk_bearssl STATIC ${fk_bearssl_sources})
  target_include_directories(fk_bearssl SYSTEM PUBLIC ${FK_BEARSSL_SRC}/inc)
  target_include_directories(fk_bearssl PRIVATE ${FK_BEARSSL_SRC}/src)
  target_compile_definitions(fk_bearssl PRIVATE BR_USE_URANDOM=0 BR_USE_UNIX_TIME=0 BR_RDRAND=0)
  set_target_properties(fk_bearssl PROPERTIES COMPILE_OPTIONS "-w" C_EXTENSIONS ON
    OUTPUT_NAME bearssl ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/crypto)
  add_library(fk::bearssl ALIAS fk_bearssl)

  # libsodium: only Ed25519 verification (ref10 group arithmetic, SHA-512,
  # constant-time compare, sodium_memzero/misuse; core/scalarmult for the
  # verifier's "pure" Ed25519 form). The upstream build is
  # autotools and the Debian tarball has no generated configure, so the few
  # sources are compiled directly.
  if(FOTAKIT_DEVICE_ED25519)
    fk_debsrc(libsodium FK_SODIUM_SRC)
    set(ls ${FK_SODIUM_SRC}/src/libsodium)
    file(STRINGS ${FK_SODIUM_SRC}/configure.ac ac REGEX "^AC_INIT|^SODIUM_LIBRARY_VERSION_M")
    string(REGEX MATCH "AC_INIT\\(\\[libsodium\\],\\[([^]]+)\\]" _ "${ac}")
    set(VERSION ${CMAKE_MATCH_1})
    string(REGEX MATCH "SODIUM_LIBRARY_VERSION_MAJOR=([0-9]+)" _ "${ac}")
    set(SODIUM_LIBRARY_VERSION_MAJOR ${CMAKE_MATCH_1})
    string(REGEX MATCH "SODIUM_LIBRARY_VERSION_MINOR=([0-9]+)" _ "${ac}")
    set(SODIUM_LIBRARY_VERSION_MINOR ${CMAKE_MATCH_1})
    set(SODIUM_LIBRARY_MINIMAL_DEF "")
    # Generated next to its template (inside the build folder's extracted
    # tree): it includes "export.h" from its own directory.
    configure_file(${ls}/include/sodium/version.h.in ${ls}/include/sodium/version.h @ONLY)
    add_library(fk_sodium STATIC
      ${ls}/crypto_sign/crypto_sign.c
      ${ls}/crypto_sign/ed25519/sign_ed25519.c
      ${ls}/crypto_sign/ed25519/ref10/open.c
      ${ls}/crypto_sign/ed25519/ref10/sign.c
      ${ls}/crypto_core/ed25519/core_ed25519.c
      ${ls}/crypto_scalarmult/ed25519/ref10/scalarmult_ed25519_ref10.c
      ${ls}/crypto_core/ed25519/ref10/ed25519_ref10.c
      ${ls}/crypto_hash/sha512/hash_sha512.c
      ${ls}/crypto_hash/sha512/cp/hash_sha512_cp.c
      ${ls}/crypto_verify/sodium/verify.c
      ${ls}/sodium/utils.c
      ${ls}/sodium/core.c)
    target_include_directories(fk_sodium SYSTEM PUBLIC ${ls}/include)
    target_include_directories(fk_sodium PRIVATE ${ls}/include/sodium)
    # What libsodium's configure would find on a little-endian 32-bit target.
    target_compile_definitions(fk_sodium PRIVATE CONFIGURED=1 NATIVE_LITTLE_ENDIAN=1)
    set_target_properties(fk_sodium PROPERTIES COMPILE_OPTIONS "-w" C_EXTENSIONS ON
      OUTPUT_NAME sodium ARCHIVE_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/crypto)
    add_library(fk::sodium ALIAS fk_sodium)
  endif()
endif()
