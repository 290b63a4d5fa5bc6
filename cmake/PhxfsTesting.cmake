# SPDX-License-Identifier: MIT
# Test helpers. Every test is a program: exit 0 pass, 1 fail, 77 skip (with
# a printed reason).
include_guard(GLOBAL)

# ThreadSanitizer runs programs several times slower: so many more seconds.
if(PHXFS_SANITIZE MATCHES "thread")
  set(PHXFS_TIMEOUT_SCALE 6)
else()
  set(PHXFS_TIMEOUT_SCALE 1)
endif()

# phxfs_add_test(<name> <source> <labels> [libraries...])
function(phxfs_add_test name source labels)
  add_executable(${name} ${source})
  target_link_libraries(${name} PRIVATE phxfs_headers phxfs_config ${ARGN})
  add_test(NAME ${name} COMMAND ${name})
  math(EXPR timeout "60 * ${PHXFS_TIMEOUT_SCALE}")
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${timeout}
                       SKIP_RETURN_CODE 77)
endfunction()

# phxfs_add_test_run(<name> <target> <labels> ENV <var=value>...): one more
# run of a test program, under its own environment.
function(phxfs_add_test_run name target labels)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "" "ENV")
  add_test(NAME ${name} COMMAND ${target})
  math(EXPR timeout "60 * ${PHXFS_TIMEOUT_SCALE}")
  set_tests_properties(${name} PROPERTIES LABELS "${labels}" TIMEOUT ${timeout}
                       SKIP_RETURN_CODE 77 ENVIRONMENT "${arg_ENV}")
endfunction()

# Open MPI refuses root unless told, and must not look for networks in a
# container or a VM: shared memory within the node is all the tests need.
set(PHXFS_MPIEXEC_ENV
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    OMPI_MCA_btl=self,vader OMPI_MCA_rmaps_base_oversubscribe=1)

# phxfs_add_mpi_test(<name> <target> <labels> NP <n>... [ARGS <arg>...])
# One CTest test per rank count, named <name>.np<n>.
function(phxfs_add_mpi_test name target labels)
  cmake_parse_arguments(PARSE_ARGV 3 arg "" "" "NP;ARGS")
  foreach(np IN LISTS arg_NP)
    add_test(NAME ${name}.np${np}
             COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np}
                     ${MPIEXEC_PREFLAGS} $<TARGET_FILE:${target}>
                     ${MPIEXEC_POSTFLAGS} ${arg_ARGS})
    math(EXPR timeout "120 * ${PHXFS_TIMEOUT_SCALE}")
    set_tests_properties(${name}.np${np} PROPERTIES
      LABELS "${labels}" TIMEOUT ${timeout} SKIP_RETURN_CODE 77
      PROCESSORS ${np} ENVIRONMENT "${PHXFS_MPIEXEC_ENV}")
  endforeach()
endfunction()
