# SPDX-License-Identifier: MIT
# phoenix-fs, built out of tree with the kernel's own Kbuild. Kbuild writes
# its objects next to the sources, so the sources are copied into the build
# directory first and the source tree stays clean.
include_guard(GLOBAL)

file(GLOB PHXFS_KMOD_SOURCES CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/kmod/*.c" "${PROJECT_SOURCE_DIR}/kmod/*.h")
set(_kmod_dir "${CMAKE_BINARY_DIR}/kmod")
set(PHXFS_KMOD_FILE "${_kmod_dir}/phxfs.ko" CACHE INTERNAL "")

add_custom_command(
  OUTPUT "${PHXFS_KMOD_FILE}"
  COMMAND "${CMAKE_COMMAND}" -E make_directory "${_kmod_dir}"
  COMMAND "${CMAKE_COMMAND}" -E copy_if_different ${PHXFS_KMOD_SOURCES}
          "${PROJECT_SOURCE_DIR}/kmod/Kbuild" "${_kmod_dir}"
  COMMAND "${CMAKE_COMMAND}" -E env --unset=MAKEFLAGS
          make -s -C "${PHXFS_KERNEL_BUILD_DIR}" "M=${_kmod_dir}"
          "PHXFS_INCLUDE=${PROJECT_SOURCE_DIR}/include"
          "PHXFS_NV_P2P_H=${PHXFS_NV_P2P_H}" modules
  DEPENDS ${PHXFS_KMOD_SOURCES} "${PROJECT_SOURCE_DIR}/kmod/Kbuild"
          "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h"
  COMMENT "Building phoenix-fs (kmod/) for kernel ${PHXFS_KERNEL_RELEASE}"
  VERBATIM)
add_custom_target(phxfs_kmod ALL DEPENDS "${PHXFS_KMOD_FILE}")

if(PHXFS_WITH_LINT AND BUILD_TESTING)
  # The kernel's coding style on the module and the ABI header it shares.
  add_test(NAME lint.checkpatch
           COMMAND "${PHXFS_CHECKPATCH}" --no-tree --strict --terse
                   --show-types -f ${PHXFS_KMOD_SOURCES}
                   "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h")
  set_tests_properties(lint.checkpatch PROPERTIES LABELS "unit;lint" TIMEOUT 120)
endif()
