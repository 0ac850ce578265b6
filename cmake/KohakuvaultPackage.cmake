# `cpack -G DEB` turns the install rules of KohakuvaultInstall.cmake into one
# Debian package, kohakuvault_<version>_<arch>.deb. Configure the build with
# -DCMAKE_INSTALL_PREFIX=/usr (as `make package` and the deb_package test do)
# so GNUInstallDirs picks Debian's multiarch libdir; the package then holds
#
#   /usr/lib/x86_64-linux-gnu/kohakuvault.so     `.load kohakuvault` finds it by name:
#                                                it is in the dynamic loader's system search path
#   /usr/lib/x86_64-linux-gnu/libkohakuvault_{static,engine}.a
#   /usr/include/kohakuvault.h
#   /usr/lib/x86_64-linux-gnu/pkgconfig/kohakuvault.pc
#   /usr/lib/x86_64-linux-gnu/cmake/kohakuvault/kohakuvaultConfig{,Version}.cmake
#
# Depends is computed by dpkg-shlibdeps from the module (libc6, libcbor0.8,
# libsimdjson14). Linking the static library needs the -dev packages of SQLite,
# libcbor, msgpack-c and simdjson too; they are Suggests, so a user who only
# loads the module does not pull in a compiler toolchain.
set(CPACK_PACKAGE_NAME kohakuvault)
set(CPACK_PACKAGE_VENDOR kohakuvault)
set(CPACK_PACKAGE_CONTACT "kohakuvault maintainers <kohakuvault@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "KohakuVault's storage engine as a SQLite extension")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "KohakuVault's storage engine as a SQLite extension
 A SQLite loadable extension: kv_pack/kv_unpack (typed serializer), kvcolumn
 (chunked typed columns), kvindex (ordered in-memory indexes) and kvault
 (blob store), all plain SQL. Load it with `.load kohakuvault` in the sqlite3
 shell or load_extension('kohakuvault') from any binding. Also ships the
 static library, header, pkg-config file and CMake package for programs
 that link SQLite themselves.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)  # the module loses its symbol table (20% smaller); .a files keep theirs
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS sqlite3)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libsqlite3-dev, libcbor-dev, libmsgpack-dev, libsimdjson-dev, pkg-config")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/cpack)
include(CPack)
