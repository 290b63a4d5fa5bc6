# SPDX-License-Identifier: MIT
# Warnings and sanitizers for user-space code (kmod/ uses the kernel's own).
include_guard(GLOBAL)

option(PHXFS_WERROR "Treat compiler warnings as errors" ON)
set(PHXFS_SANITIZE "" CACHE STRING
    "Sanitizers for user-space code, e.g. address,undefined (empty: none)")

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes
                    -Wmissing-prototypes -Wformat=2)
if(PHXFS_WERROR)
  add_compile_options(-Werror)
endif()
if(PHXFS_SANITIZE)
  add_compile_options(-fsanitize=${PHXFS_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PHXFS_SANITIZE})
endif()
