# `cmake --install <build> [--prefix P]` lays kohakuvault out like a library:
#
#   P/lib/kohakuvault.so                        loadable module (.load P/lib/kohakuvault)
#   P/lib/libkohakuvault_static.a               SQLite glue built with SQLITE_CORE
#   P/lib/libkohakuvault_engine.a               the engine it needs (msgpack-c linked in)
#   P/include/kohakuvault.h                     sqlite3_kohakuvault_init + version macros
#   P/lib/pkgconfig/kohakuvault.pc              pkg-config --cflags --libs kohakuvault
#   P/lib/cmake/kohakuvault/kohakuvaultConfig.cmake   find_package(kohakuvault) ->
#                                               kohakuvault::kohakuvault, KOHAKUVAULT_MODULE
#   P/share/doc/kohakuvault/copyright           the license (where Debian packages keep it)
#
# ("lib" is CMAKE_INSTALL_LIBDIR, e.g. lib/x86_64-linux-gnu for --prefix /usr on
# Debian.) Only static libraries are shipped for linking, so the .pc lists the
# dependencies in Libs/Requires: plain `pkg-config --libs` gives a complete link
# line. Both files are relocatable (paths relative to their own location).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(KV_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kohakuvault)
set(KV_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS kohakuvault LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS kohakuvault_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES $<TARGET_FILE:kvengine> DESTINATION ${CMAKE_INSTALL_LIBDIR} RENAME libkohakuvault_engine.a)
install(FILES ${PROJECT_SOURCE_DIR}/include/kohakuvault.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)

# pkg-config: prefix relative to the .pc file's own directory.
file(RELATIVE_PATH KV_PC_RELPREFIX /prefix/${KV_PC_DIR} /prefix)
string(REGEX REPLACE "/$" "" KV_PC_RELPREFIX "${KV_PC_RELPREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/kohakuvault.pc.in ${PROJECT_BINARY_DIR}/kohakuvault.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/kohakuvault.pc DESTINATION ${KV_PC_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kohakuvaultConfig.cmake.in
  ${PROJECT_BINARY_DIR}/kohakuvaultConfig.cmake INSTALL_DESTINATION ${KV_CMAKE_DIR}
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
# 0.x: a minor version may change the API, so only the same minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/kohakuvaultConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/kohakuvaultConfig.cmake ${PROJECT_BINARY_DIR}/kohakuvaultConfigVersion.cmake
  DESTINATION ${KV_CMAKE_DIR})
