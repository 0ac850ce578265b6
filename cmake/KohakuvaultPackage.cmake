# `cpack -G DEB` (scripts/build-deb.sh) turns the install component `deb` of
# KohakuvaultInstall.cmake into one Debian package, kohakuvault_<version>_<arch>.deb,
# from this build's binaries (no second build). It holds
#
#   /usr/lib/x86_64-linux-gnu/kohakuvault.so     `.load kohakuvault` finds it by name:
#                                                it is in the dynamic loader's system search path
#   /usr/lib/x86_64-linux-gnu/libkohakuvault_{static,engine}.a
#   /usr/include/kohakuvault.h
#   /usr/lib/x86_64-linux-gnu/pkgconfig/kohakuvault.pc
#   /usr/lib/x86_64-linux-gnu/cmake/kohakuvault/kohakuvaultConfig{,Version}.cmake
#   /usr/share/doc/kohakuvault/copyright
#
# Depends is computed by dpkg-shlibdeps from the module (libc6, libcbor0.8, libre2-9,
# libsimdjson14). Linking the static library needs the -dev packages of SQLite,
# libcbor, msgpack-c, simdjson and RE2 too; they are Suggests, so a user who only
# loads the module does not pull in a compiler toolchain.
set(CPACK_PACKAGE_NAME kohakuvault)
set(CPACK_PACKAGE_VENDOR kohakuvault)
set(CPACK_PACKAGE_CONTACT "kohakuvault maintainers <kohakuvault@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "KohakuVault's storage engine as a SQLite extension")
# CPack puts the summary first and indents each line of this one.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "A SQLite loadable extension: kv_pack/kv_unpack (typed serializer), kvcolumn
(chunked typed columns), kvindex (ordered in-memory indexes) and kvault (blob
store), all plain SQL. Load it with `.load kohakuvault` in the sqlite3 shell or
load_extension('kohakuvault') from any binding. Also ships the static library,
header, pkg-config file and CMake package for programs that link SQLite.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL deb)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)  # one package, named kohakuvault
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # the module loses its symbol table (20% smaller); .a files keep theirs
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS sqlite3)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libsqlite3-dev, libcbor-dev, libmsgpack-dev, libsimdjson-dev, libre2-dev, pkg-config")
include(CPack)
