# Debian source packages, fetched into the build folder (never into the repo,
# never into the system's apt state).
#
#   fk_debsrc(<source-package> <out-var>)
#
# sets <out-var> to the extracted tree, e.g. build/cortex-m4/debsrc/src/
# bearssl-0.6+dfsg.1. Steps (all under B = ${CMAKE_BINARY_DIR}/debsrc):
#   1. B/parts/fotakit-src.sources: a deb-src stanza for ${FOTAKIT_DEBIAN_SUITE}
#      main on the mirror this machine's apt already uses;
#   2. apt-get update with SourceList=/dev/null, SourceParts=B/parts,
#      State::Lists=B/lists, Cache=B/cache (so /etc/apt and /var/lib/apt are
#      only read, never written);
#   3. apt-get source --download-only <pkg> in B/src (apt checks the files'
#      hashes against the signed Release file);
#   4. dpkg-source -x (applies Debian's patches).
# A package that is already extracted (stamp B/src/<pkg>.dir) is not fetched
# again: a rebuild works offline. Delete B to refetch.

set(FOTAKIT_DEBIAN_SUITE "bookworm" CACHE STRING "Debian suite the device crypto sources come from")
set(FOTAKIT_DEBIAN_MIRROR "" CACHE STRING
    "Debian mirror for deb-src (empty: the one /etc/apt sources already use)")

set(FK_DEBSRC_DIR ${CMAKE_BINARY_DIR}/debsrc)
set(FK_DEBSRC_KEYRING /usr/share/keyrings/debian-archive-keyring.gpg)

# The mirror URI of this machine's own apt sources for the suite (deb822
# *.sources first, then one-line sources.list format). Empty if none.
function(_fk_debsrc_mirror out)
  set(uri "")
  file(GLOB deb822 /etc/apt/sources.list.d/*.sources)
  foreach(f IN LISTS deb822)
    file(READ ${f} text)
    string(REGEX REPLACE "(^|\n)#[^\n]*" "\\1" text "${text}")  # comments
    string(ASCII 30 rs)
    string(REGEX REPLACE "\n[ \t]*\n" "\n${rs}" text "${text}")    # stanza breaks
    string(REPLACE ";" "," text "${text}")
    string(REPLACE "${rs}" ";" stanzas "${text}")
    foreach(s IN LISTS stanzas)
      if(s MATCHES "(^|\n)[Ee]nabled:[ \t]*[Nn]o")
        continue()
      endif()
      if(NOT s MATCHES "(^|\n)Suites:[^\n]*[ \t]${FOTAKIT_DEBIAN_SUITE}([ \t]|\n|$)")
        continue()
      endif()
      if(s MATCHES "(^|\n)URIs:[ \t]*([^ \t\n]+)")
        set(uri "${CMAKE_MATCH_2}")
        break()
      endif()
    endforeach()
    if(uri)
      break()
    endif()
  endforeach()
  if(NOT uri)
    file(GLOB lists /etc/apt/sources.list /etc/apt/sources.list.d/*.list)
    foreach(f IN LISTS lists)
      file(STRINGS ${f} lines REGEX "^[ \t]*deb(-src)?[ \t]")
      foreach(l IN LISTS lines)
        if(l MATCHES "^[ \t]*deb(-src)?[ \t]+(\\[[^]]*\\][ \t]+)?([^ \t]+)[ \t]+${FOTAKIT_DEBIAN_SUITE}[ \t]")
          set(uri "${CMAKE_MATCH_3}")
          break()
        endif()
      endforeach()
      if(uri)
        break()
      endif()
    endforeach()
  endif()
  set(${out} "${uri}" PARENT_SCOPE)
endfunction()

function(_fk_debsrc_run what)
  execute_process(COMMAND ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 900)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "debsrc: ${what} failed (${rc}):\n${ARGN}\n${out}\n${err}\n"
      "The device crypto is built from Debian source packages fetched with apt-get; "
      "check the network and FOTAKIT_DEBIAN_MIRROR, or put the extracted tree in "
      "${FK_DEBSRC_DIR}/src and its name in ${FK_DEBSRC_DIR}/src/<package>.dir.")
  endif()
endfunction()

# apt-get options that confine apt to B (run once per configure).
function(_fk_debsrc_prepare)
  get_property(done GLOBAL PROPERTY FK_DEBSRC_UPDATED)
  if(done)
    return()
  endif()
  foreach(t apt-get dpkg-source)
    find_program(FK_${t}_EXE ${t})
    if(NOT FK_${t}_EXE)
      message(FATAL_ERROR "debsrc: ${t} not found (install apt and dpkg-dev; scripts/deps does)")
    endif()
  endforeach()
  if(NOT EXISTS ${FK_DEBSRC_KEYRING})
    message(FATAL_ERROR "debsrc: ${FK_DEBSRC_KEYRING} missing (package debian-archive-keyring)")
  endif()
  set(mirror "${FOTAKIT_DEBIAN_MIRROR}")
  if(NOT mirror)
    _fk_debsrc_mirror(mirror)
  endif()
  if(NOT mirror)
    message(FATAL_ERROR "debsrc: found no apt source for suite ${FOTAKIT_DEBIAN_SUITE} in /etc/apt; "
      "configure with -DFOTAKIT_DEBIAN_MIRROR=<a Debian mirror URI>")
  endif()
  file(MAKE_DIRECTORY ${FK_DEBSRC_DIR}/parts ${FK_DEBSRC_DIR}/lists/partial
       ${FK_DEBSRC_DIR}/cache/archives/partial ${FK_DEBSRC_DIR}/src)
  file(WRITE ${FK_DEBSRC_DIR}/parts/fotakit-src.sources
    "Types: deb-src\nURIs: ${mirror}\nSuites: ${FOTAKIT_DEBIAN_SUITE}\n"
    "Components: main\nSigned-By: ${FK_DEBSRC_KEYRING}\n")
  set(opts
    -o Dir::Etc::SourceList=/dev/null
    -o Dir::Etc::SourceParts=${FK_DEBSRC_DIR}/parts
    -o Dir::State::Lists=${FK_DEBSRC_DIR}/lists
    -o Dir::Cache=${FK_DEBSRC_DIR}/cache)
  # As root, apt would hand downloads to the _apt user, who cannot write into
  # a build folder; it then falls back with a warning. Say so up front.
  execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(uid STREQUAL "0")
    list(APPEND opts -o APT::Sandbox::User=root)
  endif()
  message(STATUS "debsrc: deb-src ${mirror} ${FOTAKIT_DEBIAN_SUITE} main -> ${FK_DEBSRC_DIR}")
  _fk_debsrc_run("apt-get update" ${FK_apt-get_EXE} ${opts} -qq update)
  set_property(GLOBAL PROPERTY FK_DEBSRC_UPDATED TRUE)
  set_property(GLOBAL PROPERTY FK_DEBSRC_APT_OPTS "${opts}")
endfunction()

function(fk_debsrc pkg out)
  set(stamp ${FK_DEBSRC_DIR}/src/${pkg}.dir)
  if(EXISTS ${stamp})
    file(READ ${stamp} name)
    string(STRIP "${name}" name)
    if(name AND IS_DIRECTORY ${FK_DEBSRC_DIR}/src/${name})
      set(${out} ${FK_DEBSRC_DIR}/src/${name} PARENT_SCOPE)
      return()
    endif()
  endif()
  _fk_debsrc_prepare()
  get_property(opts GLOBAL PROPERTY FK_DEBSRC_APT_OPTS)
  # A fresh download folder per package, so the .dsc found below is this one.
  set(dl ${FK_DEBSRC_DIR}/src/${pkg}.dl)
  file(REMOVE_RECURSE ${dl})
  file(MAKE_DIRECTORY ${dl})
  _fk_debsrc_run("apt-get source --download-only ${pkg}"
    ${CMAKE_COMMAND} -E chdir ${dl} ${FK_apt-get_EXE} ${opts} -qq source --download-only ${pkg})
  file(GLOB dsc ${dl}/${pkg}_*.dsc)
  list(LENGTH dsc n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "debsrc: expected one ${pkg}_*.dsc in ${dl}, found: ${dsc}")
  endif()
  get_filename_component(dscname ${dsc} NAME)
  # Extract next to the downloads into a fixed name, then move it into place
  # (the version is part of the folder name: ${pkg}-<upstream version>).
  file(REMOVE_RECURSE ${dl}/x)
  _fk_debsrc_run("dpkg-source -x ${dscname}"
    ${CMAKE_COMMAND} -E chdir ${dl} ${FK_dpkg-source_EXE} -x ${dscname} x)
  string(REGEX REPLACE "^${pkg}_(.*)\\.dsc$" "\\1" version "${dscname}")
  string(REGEX REPLACE "^[0-9]+:" "" version "${version}")
  set(name ${pkg}-${version})
  file(REMOVE_RECURSE ${FK_DEBSRC_DIR}/src/${name})
  file(RENAME ${dl}/x ${FK_DEBSRC_DIR}/src/${name})
  file(WRITE ${stamp} "${name}\n")
  message(STATUS "debsrc: ${pkg} ${version} extracted in ${FK_DEBSRC_DIR}/src/${name}")
  set(${out} ${FK_DEBSRC_DIR}/src/${name} PARENT_SCOPE)
endfunction()
