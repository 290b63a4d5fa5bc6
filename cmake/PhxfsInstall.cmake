# SPDX-License-Identifier: MIT
# `cmake --install`: headers, libphxfs (and libphxfs_mpi), the tools, a
# pkg-config file per library, a CMake package (find_package(phxfs)), and
# the udev rule that gives the device nodes to group phxfs.
include_guard(GLOBAL)
include(CMakePackageConfigHelpers)

set(PHXFS_UDEV_RULES_DIR "lib/udev/rules.d" CACHE STRING
    "Where the udev rule goes, relative to the prefix (udev reads /usr/lib/udev/rules.d and /etc/udev/rules.d)")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/phxfs"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.h")

set(_libs phxfs)
if(TARGET phxfs_mpi)
  list(APPEND _libs phxfs_mpi)
endif()
install(TARGETS ${_libs} phxfs_headers EXPORT phxfsTargets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}")
# The tools find the installed libphxfs wherever the prefix is.
file(RELATIVE_PATH _bin_to_lib "/p/${CMAKE_INSTALL_BINDIR}" "/p/${CMAKE_INSTALL_LIBDIR}")
foreach(tool phxfs-info phxfs-io)
  if(TARGET ${tool})
    set_target_properties(${tool} PROPERTIES INSTALL_RPATH "$ORIGIN/${_bin_to_lib}")
    install(TARGETS ${tool} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
  endif()
endforeach()

# The HDF5 connector: alone in its directory, since HDF5 tries every
# library in HDF5_PLUGIN_PATH; it finds libphxfs through its run path.
set(PHXFS_VOL_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/phxfs/hdf5-plugin")
if(TARGET phxfs_vol)
  file(RELATIVE_PATH _plugin_to_lib "/p/${PHXFS_VOL_INSTALL_DIR}"
       "/p/${CMAKE_INSTALL_LIBDIR}")
  set_target_properties(phxfs_vol PROPERTIES
    INSTALL_RPATH "$ORIGIN/${_plugin_to_lib}")
  install(TARGETS phxfs_vol LIBRARY DESTINATION "${PHXFS_VOL_INSTALL_DIR}")
  install(FILES "${PROJECT_SOURCE_DIR}/hdf5_vol/phxfs_vol.h"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/phxfs")
endif()

# find_package(phxfs [COMPONENTS mpi]): phxfs::phxfs, phxfs::phxfs_mpi.
set(_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/phxfs")
install(EXPORT phxfsTargets NAMESPACE phxfs:: DESTINATION "${_cmake_dir}")
if(TARGET phxfs_mpi)
  set(PHXFS_CONFIG_HAS_MPI TRUE)
else()
  set(PHXFS_CONFIG_HAS_MPI FALSE)
endif()
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/phxfsConfig.cmake.in"
  "${CMAKE_BINARY_DIR}/phxfsConfig.cmake" INSTALL_DESTINATION "${_cmake_dir}")
write_basic_package_version_file("${CMAKE_BINARY_DIR}/phxfsConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion)
install(FILES "${CMAKE_BINARY_DIR}/phxfsConfig.cmake"
              "${CMAKE_BINARY_DIR}/phxfsConfigVersion.cmake"
        DESTINATION "${_cmake_dir}")

# pkg-config: phxfs, and phxfs_mpi where it is built. The prefix is found
# from the .pc file's own place, so that `cmake --install --prefix` works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PHXFS_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _up "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
  set(PHXFS_PC_PREFIX "\${pcfiledir}/${_up}")
endif()
foreach(lib IN LISTS _libs)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${lib}.pc.in"
                 "${CMAKE_BINARY_DIR}/${lib}.pc" @ONLY)
  install(FILES "${CMAKE_BINARY_DIR}/${lib}.pc"
          DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
endforeach()

install(FILES "${PROJECT_SOURCE_DIR}/kmod/60-phxfs.rules"
        DESTINATION "${PHXFS_UDEV_RULES_DIR}")

# The module's sources for DKMS, in <prefix>/src/phoenix-fs-<version>
# (with the prefix /usr, where dkms looks): dkms install phoenix-fs/<version>.
set(PHXFS_DKMS_DIR "src/phoenix-fs-${PROJECT_VERSION}")
configure_file("${PROJECT_SOURCE_DIR}/kmod/dkms.conf"
               "${CMAKE_BINARY_DIR}/dkms.conf" @ONLY)
file(GLOB _kmod_files "${PROJECT_SOURCE_DIR}/kmod/*.c"
     "${PROJECT_SOURCE_DIR}/kmod/*.h")
install(FILES ${_kmod_files} "${PROJECT_SOURCE_DIR}/kmod/Kbuild"
              "${PROJECT_SOURCE_DIR}/kmod/conftest.sh"
              "${CMAKE_BINARY_DIR}/dkms.conf"
        DESTINATION "${PHXFS_DKMS_DIR}")
install(FILES "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h"
        DESTINATION "${PHXFS_DKMS_DIR}/include/phxfs")
