# SPDX-License-Identifier: MIT
# phoenix-fs, built out of tree with the kernel's own Kbuild, once per kernel
# release in PHXFS_KERNELS, into <build>/kmod/<release>/phxfs.ko. Kbuild
# writes its objects next to the sources, so the sources are copied into
# that directory first and the source tree stays clean.
include_guard(GLOBAL)

file(GLOB PHXFS_KMOD_SOURCES CONFIGURE_DEPENDS
     "${PROJECT_SOURCE_DIR}/kmod/*.c" "${PROJECT_SOURCE_DIR}/kmod/*.h")

# phxfs_kmod_file(<release> <var>): where phxfs.ko for <release> is built.
function(phxfs_kmod_file release var)
  set(${var} "${CMAKE_BINARY_DIR}/kmod/${release}/phxfs.ko" PARENT_SCOPE)
endfunction()

# phxfs_add_kmod(<target> <.ko path> KERNEL <release> KBUILD <file>
#                SOURCES <file>... [CONFTEST <script>] [DEPENDS <file>...]
#                [MAKE_ARGS <arg>...] [COMMENT <text>])
# Builds an out-of-tree module for kernel <release> with the kernel's Kbuild
# in the directory of <.ko path>, into which the sources and the Kbuild file
# are copied first. CONFTEST: a script run first as
# "<script> <kernel build dir> <dir>/phxfs_features.h" (kmod/conftest.sh).
# A kernel of PHXFS_ROOT_KERNELS is built chrooted into the kernel root
# (scripts/kernel-root-run.sh), <dir> bind-mounted at /mnt/m and the source
# tree (read-only) at /mnt/src: paths under the source tree in MAKE_ARGS and
# CONFTEST are rewritten to /mnt/src.
function(phxfs_add_kmod target ko)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "KERNEL;KBUILD;CONFTEST;COMMENT"
                        "SOURCES;DEPENDS;MAKE_ARGS")
  get_filename_component(dir "${ko}" DIRECTORY)
  if(arg_KERNEL IN_LIST PHXFS_ROOT_KERNELS)
    set(kdir "${PHXFS_KERNEL_ROOT_HEADERS}")
    set(mdir /mnt/m)
    set(in_root "${PROJECT_SOURCE_DIR}/scripts/kernel-root-run.sh" --rw "${dir}" m
                --ro "${PROJECT_SOURCE_DIR}" src "${PHXFS_KERNEL_ROOT}" --)
    string(REPLACE "${PROJECT_SOURCE_DIR}" /mnt/src conftest "${arg_CONFTEST}")
    string(REPLACE "${PROJECT_SOURCE_DIR}" /mnt/src make_args "${arg_MAKE_ARGS}")
  else()
    set(kdir "/lib/modules/${arg_KERNEL}/build")
    set(mdir "${dir}")
    set(in_root "")
    set(conftest "${arg_CONFTEST}")
    set(make_args ${arg_MAKE_ARGS})
  endif()
  set(features "")
  if(arg_CONFTEST)
    set(features "${dir}/phxfs_features.h")
    add_custom_command(
      OUTPUT "${features}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
      COMMAND ${in_root} "${conftest}" "${kdir}" "${mdir}/phxfs_features.h"
      DEPENDS "${arg_CONFTEST}"
      COMMENT "Probing the interfaces of kernel ${arg_KERNEL}"
      VERBATIM)
  endif()
  add_custom_command(
    OUTPUT "${ko}"
    COMMAND "${CMAKE_COMMAND}" -E make_directory "${dir}"
    COMMAND "${CMAKE_COMMAND}" -E copy_if_different ${arg_SOURCES}
            "${arg_KBUILD}" "${dir}"
    COMMAND "${CMAKE_COMMAND}" -E env --unset=MAKEFLAGS
            ${in_root} make -s -C "${kdir}" "M=${mdir}" ${make_args} modules
    DEPENDS ${arg_SOURCES} "${arg_KBUILD}" ${arg_DEPENDS} ${features}
    COMMENT "${arg_COMMENT}"
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${ko}")
endfunction()

foreach(release IN LISTS PHXFS_KERNELS PHXFS_ROOT_KERNELS)
  phxfs_kernel_tag("${release}" tag)
  phxfs_kmod_file("${release}" ko)
  set(nv_p2p_h "${PHXFS_NV_P2P_H}")
  if(release IN_LIST PHXFS_ROOT_KERNELS)
    set(nv_p2p_h "")   # not inside the root: the module's own declarations
  endif()
  phxfs_add_kmod(phxfs_kmod_${tag} "${ko}"
    KERNEL "${release}"
    KBUILD "${PROJECT_SOURCE_DIR}/kmod/Kbuild"
    SOURCES ${PHXFS_KMOD_SOURCES}
    CONFTEST "${PROJECT_SOURCE_DIR}/kmod/conftest.sh"
    DEPENDS "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h"
    MAKE_ARGS "PHXFS_INCLUDE=${PROJECT_SOURCE_DIR}/include"
              "PHXFS_NV_P2P_H=${nv_p2p_h}" PHXFS_WERROR=1
    COMMENT "Building phoenix-fs (kmod/) for kernel ${release}")
endforeach()

if(PHXFS_WITH_LINT AND BUILD_TESTING)
  # The kernel's coding style on the module and the ABI header it shares.
  add_test(NAME lint.checkpatch
           COMMAND "${PHXFS_CHECKPATCH}" --no-tree --strict --terse
                   --show-types -f ${PHXFS_KMOD_SOURCES}
                   "${PROJECT_SOURCE_DIR}/include/phxfs/phxfs_ioctl.h")
  set_tests_properties(lint.checkpatch PROPERTIES LABELS "unit;lint" TIMEOUT 120)
endif()
