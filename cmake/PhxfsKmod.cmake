# SPDX-License-Identifier: MIT
# phoenix-fs, built out of tree with the kernel's own Kbuild. Kbuild writes
# its objects next to the sources, so the sources are copied into the build
# directory first and the source tree stays clean.
include_guard(GLOBAL)

file(GLOB PHXFS_KMOD_SOURCES CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/kmod/*.c" "${PROJECT_SOURCE_DIR}/kmod/*.h")
set(_kmod_dir "${CMAKE_BINARY_DIR}/kmod")
set(PHXFS_KMOD_FILE "${_kmod_dir}/phxfs.ko" CACHE INTERNAL "")

# phxfs_add_kmod(<target> <.ko path> KBUILD <file> SOURCES <file>...
#                [CONFTEST <script>] [DEPENDS <file>...] [MAKE_ARGS <arg>...]
#                [COMMENT <text>])
# Builds an out-of-tree module with the kernel's Kbuild in the directory of
# <.ko path>, into which the sources and the Kbuild file are copied first.
# CONFTEST: a script run first as
# "<script> <kernel build dir> <dir>/phxfs_features.h" (kmod/conftest.sh).
function(phxfs_add_kmod target ko)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "KBUILD;CONFTEST;COMMENT"
                        "SOURCES;DEPENDS;MAKE_ARGS")
  get_filename_component(dir "${ko}" DIRECTORY)
  set(features "")
  if(arg_CONFTEST)
    set(features "${dir}/phxfs_features.h")
    add_custom_command(
      OUTPUT "${features}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
      COMMAND "${arg_CONFTEST}" "${PHXFS_KERNEL_BUILD_DIR}" "${features}"
      DEPENDS "${arg_CONFTEST}"
      COMMENT "Probing the interfaces of kernel ${PHXFS_KERNEL_RELEASE}"
      VERBATIM)
  endif()
  add_custom_command(
    OUTPUT "${ko}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different ${arg_SOURCES}
            "${arg_KBUILD}" "${dir}"
    COMMAND "${CMAKE_COMMAND}" -E env --unset=MAKEFLAGS
            make -s -C "${PHXFS_KERNEL_BUILD_DIR}" "M=${dir}" ${arg_MAKE_ARGS}
            modules
    DEPENDS ${arg_SOURCES} "${arg_KBUILD}" ${arg_DEPENDS} ${features}
    COMMENT "${arg_COMMENT}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${ko}")
endfunction()

phxfs_add_kmod(phxfs_kmod "${PHXFS_KMOD_FILE}"
  KBUILD "${PROJECT_SOURCE_DIR}/kmod/Kbuild"
  SOURCES ${PHXFS_KMOD_SOURCES}
  CONFTEST "${PROJECT_SOURCE_DIR}/kmod/conftest.sh"
  DEPENDS "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h"
  MAKE_ARGS "PHXFS_INCLUDE=${PROJECT_SOURCE_DIR}/include"
            "PHXFS_NV_P2P_H=${PHXFS_NV_P2P_H}"
  COMMENT "Building phoenix-fs (kmod/) for kernel ${PHXFS_KERNEL_RELEASE}")

if(PHXFS_WITH_LINT AND BUILD_TESTING)
  # The kernel's coding style on the module and the ABI header it shares.
  add_test(NAME lint.checkpatch
           COMMAND "${PHXFS_CHECKPATCH}" --no-tree --strict --terse
                   --show-types -f ${PHXFS_KMOD_SOURCES}
                   "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h")
  set_tests_properties(lint.checkpatch PROPERTIES LABELS "unit;lint" TIMEOUT 120)
endif()
