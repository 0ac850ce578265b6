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
# Debian; the Debian package always uses the multiarch directory, see below.)
# Only static libraries are shipped for linking, so the .pc lists the
# dependencies in Libs/Requires: plain `pkg-config --libs` gives a complete link
# line. Both files are relocatable (paths relative to their own location).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# kv_install_layout(<libdir> <generated-dir> [COMPONENT <c> EXCLUDE_FROM_ALL]):
# the install rules for one library directory. The .pc and CMake config files
# name the libdir, so each layout configures its own copies into <generated-dir>.
function(kv_install_layout libdir gendir)
  set(CMAKE_INSTALL_LIBDIR ${libdir})  # read by kohakuvault.pc.in and kohakuvaultConfig.cmake.in
  set(cmake_dir ${libdir}/cmake/kohakuvault)
  set(pc_dir ${libdir}/pkgconfig)
  set(opts ${ARGN})

  install(TARGETS kohakuvault LIBRARY DESTINATION ${libdir} ${opts})
  install(TARGETS kohakuvault_static ARCHIVE DESTINATION ${libdir} ${opts})
  install(FILES $<TARGET_FILE:kvengine> DESTINATION ${libdir} RENAME libkohakuvault_engine.a ${opts})
  install(FILES ${PROJECT_SOURCE_DIR}/include/kohakuvault.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} ${opts})
  install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright ${opts})

  # pkg-config: prefix relative to the .pc file's own directory.
  file(RELATIVE_PATH KV_PC_RELPREFIX /prefix/${pc_dir} /prefix)
  string(REGEX REPLACE "/$" "" KV_PC_RELPREFIX "${KV_PC_RELPREFIX}")
  configure_file(${PROJECT_SOURCE_DIR}/cmake/kohakuvault.pc.in ${gendir}/kohakuvault.pc @ONLY)
  install(FILES ${gendir}/kohakuvault.pc DESTINATION ${pc_dir} ${opts})

  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/kohakuvaultConfig.cmake.in
    ${gendir}/kohakuvaultConfig.cmake INSTALL_DESTINATION ${cmake_dir}
    PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_LIBDIR)
  # 0.x: a minor version may change the API, so only the same minor is compatible.
  write_basic_package_version_file(${gendir}/kohakuvaultConfigVersion.cmake
    VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
  install(FILES ${gendir}/kohakuvaultConfig.cmake ${gendir}/kohakuvaultConfigVersion.cmake
    DESTINATION ${cmake_dir} ${opts})
endfunction()

# `cmake --install`: CMAKE_INSTALL_LIBDIR.
kv_install_layout(${CMAKE_INSTALL_LIBDIR} ${PROJECT_BINARY_DIR})
# The Debian package (cmake/KohakuvaultPackage.cmake): component `deb`, always
# Debian's multiarch libdir (lib/x86_64-linux-gnu) whatever this build's prefix,
# installed only when asked for (cpack, or cmake --install --component deb).
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(KV_DEB_LIBDIR lib/${CMAKE_LIBRARY_ARCHITECTURE})
else()
  set(KV_DEB_LIBDIR lib)
endif()
kv_install_layout(${KV_DEB_LIBDIR} ${PROJECT_BINARY_DIR}/deb-layout COMPONENT deb EXCLUDE_FROM_ALL)
