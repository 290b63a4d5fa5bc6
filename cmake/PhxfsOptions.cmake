# SPDX-License-Identifier: MIT
# Optional components. Each PHXFS_WITH_<X> is AUTO (default: ON when its
# dependency is found), ON (missing dependency is an error) or OFF.
# PHXFS_STRICT=ON turns every AUTO into ON: CI uses it so nothing is skipped
# silently. Each enabled component defines PHXFS_HAVE_<X>=1 on phxfs_config.
include_guard(GLOBAL)

option(PHXFS_STRICT "Treat every optional component as required" OFF)
set(PHXFS_KERNEL_RELEASES "" CACHE STRING
    "Kernel releases to build phoenix-fs for and run the VM tests on, ;-separated (default: every release with headers in /lib/modules/R/build and an image /boot/vmlinuz-R)")
set(PHXFS_KERNEL_SERIES "6.1;6.12" CACHE STRING
    "Kernel series (MAJOR.MINOR) of which PHXFS_STRICT=ON requires a release: the two Debian 12 ships")
# The single PHXFS_KERNEL_RELEASE of earlier versions, left in old caches.
if(DEFINED CACHE{PHXFS_KERNEL_RELEASE})
  message(STATUS "PHXFS_KERNEL_RELEASE (${PHXFS_KERNEL_RELEASE}) is ignored: PHXFS_KERNEL_RELEASES lists the kernels now")
  unset(PHXFS_KERNEL_RELEASE CACHE)
endif()

# Dependencies scripts/setup-deps.sh prepared (HDF5_ROOT, PHXFS_CHECKPATCH),
# so that a plain cmake finds them too. Values given on the command line or
# already in the cache win; empty leftovers of an earlier run do not.
if(DEFINED ENV{PHXFS_CACHE_DIR})
  set(_deps_dir "$ENV{PHXFS_CACHE_DIR}")
elseif(DEFINED ENV{XDG_CACHE_HOME})
  set(_deps_dir "$ENV{XDG_CACHE_HOME}/phoenix")
else()
  set(_deps_dir "$ENV{HOME}/.cache/phoenix")
endif()
set(PHXFS_DEPS_FILE "${_deps_dir}/deps.cmake" CACHE FILEPATH
    "Dependency locations written by scripts/setup-deps.sh")
foreach(v HDF5_ROOT PHXFS_CHECKPATCH PHXFS_HDF5_API_TEST PHXFS_HDF5_API_TEST_PARALLEL)
  if(DEFINED CACHE{${v}} AND NOT ${v})
    unset(${v} CACHE)
  endif()
endforeach()
if(EXISTS "${PHXFS_DEPS_FILE}")
  include("${PHXFS_DEPS_FILE}")
endif()
# HDF5's API test programs, serial and parallel, for the VOL connector's
# tests: where deps.cmake says, else where setup-deps.sh builds them (a
# deps.cmake written by an older setup-deps.sh does not name them).
foreach(_api IN ITEMS "PHXFS_HDF5_API_TEST;h5_api_test;HDF5's API test program"
                      "PHXFS_HDF5_API_TEST_PARALLEL;h5_api_test_parallel;HDF5's parallel API test program")
  list(GET _api 0 _var)
  list(GET _api 1 _prog)
  list(GET _api 2 _doc)
  if(NOT ${_var})
    file(GLOB _api_tests "${_deps_dir}/hdf5-*-api-test/bin/${_prog}")
    set(_api_test "")
    if(_api_tests)
      list(SORT _api_tests COMPARE NATURAL ORDER DESCENDING)
      list(GET _api_tests 0 _api_test)
    endif()
    set(${_var} "${_api_test}" CACHE FILEPATH
        "${_doc} ${_prog} (scripts/setup-deps.sh builds it)")
  endif()
endforeach()

add_library(phxfs_config INTERFACE)
set(_phxfs_summary "")

# phxfs_component(<NAME> <FOUND> <WHAT>): resolve PHXFS_WITH_<NAME> to ON or
# OFF given whether its dependency was found, and note <WHAT> for the summary.
function(phxfs_component name found what)
  set(request "${PHXFS_WITH_${name}}")
  if(request STREQUAL "AUTO" AND PHXFS_STRICT)
    set(request ON)
  endif()
  if(request STREQUAL "OFF")
    set(state OFF)
    set(what "disabled (PHXFS_WITH_${name}=OFF)")
  elseif(found)
    set(state ON)
    target_compile_definitions(phxfs_config INTERFACE PHXFS_HAVE_${name}=1)
  elseif(request STREQUAL "ON")
    message(FATAL_ERROR "PHXFS_WITH_${name} is required but: ${what}")
  else()
    set(state OFF)
  endif()
  set(PHXFS_WITH_${name} ${state} PARENT_SCOPE)
  string(LENGTH "${name}" len)
  math(EXPR pad "8 - ${len}")
  string(REPEAT " " ${pad} spaces)
  set(_phxfs_summary "${_phxfs_summary}\n   ${name}${spaces}${state}\t${what}" PARENT_SCOPE)
endfunction()

foreach(c CUDA MPI HDF5 URING KMOD VM LINT)
  set(PHXFS_WITH_${c} AUTO CACHE STRING "ON, OFF or AUTO (ON when found)")
  set_property(CACHE PHXFS_WITH_${c} PROPERTY STRINGS AUTO ON OFF)
endforeach()

# CUDA Toolkit (runtime API from C; kernels are not needed).
if(NOT PHXFS_WITH_CUDA STREQUAL "OFF")
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
endif()
if(CUDAToolkit_FOUND)
  phxfs_component(CUDA TRUE "CUDA Toolkit ${CUDAToolkit_VERSION} (${CUDAToolkit_BIN_DIR})")
else()
  phxfs_component(CUDA FALSE "CUDA Toolkit not found (set CUDAToolkit_ROOT)")
endif()

# MPI (C bindings, mpiexec for the tests).
if(NOT PHXFS_WITH_MPI STREQUAL "OFF")
  find_package(MPI QUIET COMPONENTS C)
endif()
if(MPI_C_FOUND)
  phxfs_component(MPI TRUE "MPI ${MPI_C_VERSION} (${MPIEXEC_EXECUTABLE})")
else()
  phxfs_component(MPI FALSE "MPI not found (apt-get install libopenmpi-dev openmpi-bin)")
endif()

# HDF5 >= 1.14 (VOL connector API), parallel. Debian 12 has only 1.10:
# scripts/setup-deps.sh builds 1.14 into a cache and passes HDF5_ROOT.
set(_phxfs_hdf5_ok FALSE)
if(NOT PHXFS_WITH_HDF5 STREQUAL "OFF")
  find_package(HDF5 1.14 CONFIG QUIET NAMES hdf5)
  # The connector reads collectively through libphxfs_mpi.
  if(HDF5_FOUND AND HDF5_ENABLE_PARALLEL AND PHXFS_WITH_MPI)
    set(_phxfs_hdf5_ok TRUE)
  endif()
endif()
if(_phxfs_hdf5_ok)
  phxfs_component(HDF5 TRUE "HDF5 ${HDF5_VERSION} (parallel) ${HDF5_ROOT}")
else()
  phxfs_component(HDF5 FALSE
    "parallel HDF5 >= 1.14 and MPI not found (HDF5_ROOT='${HDF5_ROOT}'; scripts/setup-deps.sh builds it)")
endif()

# liburing (batch and async I/O).
if(NOT PHXFS_WITH_URING STREQUAL "OFF")
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(LIBURING QUIET IMPORTED_TARGET liburing>=2.0)
  endif()
endif()
if(LIBURING_FOUND)
  phxfs_component(URING TRUE "liburing ${LIBURING_VERSION}")
else()
  phxfs_component(URING FALSE "liburing >= 2.0 not found (apt-get install liburing-dev)")
endif()

# Kernel module: built once per kernel release, against that release's
# headers. Each release gets a tag, its MAJOR.MINOR series ("6.1", "6.12"),
# or the whole release where two of one series are built; VM tests are
# named vm.<tag>.<test>.
if(PHXFS_KERNEL_RELEASES)
  set(_krels "${PHXFS_KERNEL_RELEASES}")
else()
  set(_krels "")
  file(GLOB _builds LIST_DIRECTORIES true /lib/modules/*/build)
  foreach(b IN LISTS _builds)
    get_filename_component(_r "${b}" DIRECTORY)
    get_filename_component(_r "${_r}" NAME)
    if(EXISTS "${b}/Makefile" AND EXISTS "/boot/vmlinuz-${_r}")
      list(APPEND _krels "${_r}")
    endif()
  endforeach()
  if(NOT _krels)
    # Headers without an image (a container): the running kernel's.
    execute_process(COMMAND uname -r OUTPUT_VARIABLE _running
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(EXISTS "/lib/modules/${_running}/build/Makefile")
      set(_krels "${_running}")
    endif()
  endif()
  list(SORT _krels COMPARE NATURAL)
endif()
set(_kernel_req "${PHXFS_WITH_KMOD}")
if(PHXFS_STRICT AND _kernel_req STREQUAL "AUTO")
  set(_kernel_req ON)
endif()
set(PHXFS_KERNELS "")
set(_kmissing "")
foreach(r IN LISTS _krels)
  if(EXISTS "/lib/modules/${r}/build/Makefile")
    list(APPEND PHXFS_KERNELS "${r}")
  else()
    list(APPEND _kmissing "${r}")
  endif()
endforeach()
if(_kmissing AND _kernel_req STREQUAL "ON" AND NOT PHXFS_WITH_KMOD STREQUAL "OFF")
  message(FATAL_ERROR "no kernel headers (/lib/modules/R/build) for: ${_kmissing}")
endif()

# A kernel whose build tools need a newer Debian than the host's: Linux 7.x
# in a Debian forky root that scripts/setup-kernel-root.sh made. The module
# is built in that root (scripts/kernel-root-run.sh, as root or through
# sudo -n) and VM-tested on its image (phxvm --kernel-image/--modules-dir).
# It is not in PHXFS_KERNELS (host kernels: DKMS, ...), only in
# PHXFS_ROOT_KERNELS and PHXFS_VM_KERNELS. OFF by default: the module does
# not support CONFIG_PCI_P2PDMA kernels (7.x has it) yet.
option(PHXFS_WITH_KERNEL_ROOT
       "Also build phoenix-fs for and VM-test the Linux 7.x of scripts/setup-kernel-root.sh's root" OFF)
set(PHXFS_KERNEL_ROOT_FILE "${_deps_dir}/kernel-root.cmake" CACHE FILEPATH
    "The kernel root's locations, written by scripts/setup-kernel-root.sh")
set(PHXFS_KERNEL_ROOT_VM_ARGS "" CACHE STRING
    "More tests/vm/phxvm arguments for the kernel root's VM tests (;-separated), e.g. --topology;switch")
set(PHXFS_ROOT_KERNELS "")
if(PHXFS_WITH_KERNEL_ROOT AND NOT PHXFS_WITH_KMOD STREQUAL "OFF")
  if(NOT EXISTS "${PHXFS_KERNEL_ROOT_FILE}")
    message(FATAL_ERROR "PHXFS_WITH_KERNEL_ROOT=ON, but ${PHXFS_KERNEL_ROOT_FILE} does not exist: run scripts/setup-kernel-root.sh")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PHXFS_KERNEL_ROOT_FILE}")
  include("${PHXFS_KERNEL_ROOT_FILE}")
  if(NOT EXISTS "${PHXFS_KERNEL_ROOT}${PHXFS_KERNEL_ROOT_HEADERS}/Makefile"
     OR NOT EXISTS "${PHXFS_KERNEL_ROOT_IMAGE}" OR NOT IS_DIRECTORY "${PHXFS_KERNEL_ROOT_MODULES}")
    message(FATAL_ERROR "PHXFS_WITH_KERNEL_ROOT=ON, but the kernel root ${PHXFS_KERNEL_ROOT} that "
                        "${PHXFS_KERNEL_ROOT_FILE} names is incomplete: run scripts/setup-kernel-root.sh")
  endif()
  if(PHXFS_KERNEL_ROOT_RELEASE IN_LIST PHXFS_KERNELS)
    message(STATUS "Kernel ${PHXFS_KERNEL_ROOT_RELEASE} is installed on the host: not building it in the kernel root")
  else()
    set(PHXFS_ROOT_KERNELS "${PHXFS_KERNEL_ROOT_RELEASE}")
  endif()
endif()

# phxfs_kernel_tag(<release> <var>): the name of <release> in test names.
function(phxfs_kernel_tag release var)
  string(REGEX MATCH "^[0-9]+\\.[0-9]+" series "${release}")
  string(REPLACE "." "\\." series_re "${series}")
  set(n 0)
  foreach(r IN LISTS PHXFS_KERNELS PHXFS_ROOT_KERNELS)
    if(r MATCHES "^${series_re}[.-]")
      math(EXPR n "${n} + 1")
    endif()
  endforeach()
  if(series AND n LESS 2)
    set(${var} "${series}" PARENT_SCOPE)
  else()
    set(${var} "${release}" PARENT_SCOPE)
  endif()
endfunction()

if(PHXFS_STRICT AND NOT PHXFS_WITH_KMOD STREQUAL "OFF")
  foreach(series IN LISTS PHXFS_KERNEL_SERIES)
    set(_have FALSE)
    string(REPLACE "." "\\." _series_re "${series}")
    foreach(r IN LISTS PHXFS_KERNELS)
      if(r MATCHES "^${_series_re}[.-]" AND EXISTS "/boot/vmlinuz-${r}")
        set(_have TRUE)
      endif()
    endforeach()
    if(NOT _have)
      message(FATAL_ERROR "PHXFS_STRICT: no Linux ${series} with headers and image among the kernels '${_krels}' "
                          "(PHXFS_KERNEL_SERIES='${PHXFS_KERNEL_SERIES}'; scripts/setup-deps.sh installs Debian 12's 6.1 and 6.12)")
    endif()
  endforeach()
endif()
string(REPLACE ";" ", " _kernels_text "${PHXFS_KERNELS}")
if(PHXFS_ROOT_KERNELS)
  string(APPEND _kernels_text ", ${PHXFS_ROOT_KERNELS} (in the kernel root ${PHXFS_KERNEL_ROOT})")
endif()
# The NVIDIA driver's nv-p2p.h, where its source is installed (DKMS puts it
# under /usr/src/nvidia-<version>/): the nvidia provider is then compiled
# against it, otherwise against the module's own declarations of that ABI.
if(NOT DEFINED PHXFS_NV_P2P_H)
  file(GLOB _nv_p2p /usr/src/nvidia-*/nvidia/nv-p2p.h
                    /usr/src/nvidia-*/kernel-open/nvidia/nv-p2p.h)
  set(_nv_p2p_first "")
  if(_nv_p2p)
    list(SORT _nv_p2p COMPARE NATURAL ORDER DESCENDING)
    list(GET _nv_p2p 0 _nv_p2p_first)
  endif()
  set(PHXFS_NV_P2P_H "${_nv_p2p_first}" CACHE FILEPATH
      "The NVIDIA driver's nv-p2p.h (empty: the module's own declarations)")
endif()
if(PHXFS_NV_P2P_H)
  set(_nv_what "nvidia provider against ${PHXFS_NV_P2P_H}")
else()
  set(_nv_what "nvidia provider against its own nv-p2p declarations")
endif()
if(PHXFS_KERNELS)
  if(_kmissing)
    string(REPLACE ";" ", " _kmissing "${_kmissing}")
    set(_kernels_text "${_kernels_text} (not ${_kmissing}: no headers)")
  endif()
  phxfs_component(KMOD TRUE "phoenix-fs for kernels ${_kernels_text}; ${_nv_what}")
else()
  if(_krels)
    phxfs_component(KMOD FALSE
      "no kernel headers for '${_krels}' (/lib/modules/R/build; apt-get install linux-headers-<release>)")
  else()
    phxfs_component(KMOD FALSE
      "no kernel with headers and an image (apt-get install linux-headers-amd64 linux-image-amd64)")
  endif()
endif()

# VM tests: QEMU and, per kernel the module is built for, its image.
find_program(PHXFS_QEMU qemu-system-x86_64)
set(PHXFS_VM_KERNELS "")
set(_vm_missing "")
foreach(r IN LISTS PHXFS_KERNELS)
  if(EXISTS "/boot/vmlinuz-${r}")
    list(APPEND PHXFS_VM_KERNELS "${r}")
  else()
    list(APPEND _vm_missing "/boot/vmlinuz-${r}")
  endif()
endforeach()
list(APPEND PHXFS_VM_KERNELS ${PHXFS_ROOT_KERNELS})   # their images were checked above
set(_vm_req "${PHXFS_WITH_VM}")
if(PHXFS_STRICT AND _vm_req STREQUAL "AUTO")
  set(_vm_req ON)
endif()
if(_vm_missing AND _vm_req STREQUAL "ON")
  message(FATAL_ERROR "PHXFS_WITH_VM: no kernel image ${_vm_missing} for the module built for it")
endif()
string(REPLACE ";" ", " _vm_text "${PHXFS_VM_KERNELS}")
if(PHXFS_WITH_KMOD AND PHXFS_QEMU AND PHXFS_VM_KERNELS)
  if(_vm_missing)
    string(REPLACE ";" ", " _vm_missing "${_vm_missing}")
    set(_vm_text "${_vm_text} (not ${_vm_missing}: missing)")
  endif()
  phxfs_component(VM TRUE "QEMU guest tests on ${_vm_text}")
else()
  phxfs_component(VM FALSE
    "needs the module, qemu-system-x86_64 and /boot/vmlinuz-R (apt-get install qemu-system-x86 linux-image-amd64)")
  set(PHXFS_VM_KERNELS "")
endif()
# For scripts (scripts/demo.sh): what this build tree holds.
set(PHXFS_BUILT_KERNELS "${PHXFS_KERNELS}" CACHE INTERNAL "")
set(PHXFS_BUILT_VM_KERNELS "${PHXFS_VM_KERNELS}" CACHE INTERNAL "")

# checkpatch.pl on kmod/ (scripts/setup-deps.sh extracts it).
if(PHXFS_WITH_KMOD AND PHXFS_CHECKPATCH AND EXISTS "${PHXFS_CHECKPATCH}")
  phxfs_component(LINT TRUE "checkpatch ${PHXFS_CHECKPATCH}")
else()
  phxfs_component(LINT FALSE
    "checkpatch.pl not found (PHXFS_CHECKPATCH; scripts/setup-deps.sh extracts it)")
endif()

function(phxfs_print_summary)
  message(STATUS "Phoenix ${PROJECT_VERSION} configuration:${_phxfs_summary}")
endfunction()
