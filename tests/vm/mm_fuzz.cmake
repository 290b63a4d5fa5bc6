# SPDX-License-Identifier: MIT
# The memory-management fuzzer of phoenix-fs: included from CMakeLists.txt.
# 4 processes from a fixed seed, 150,000 operations over the node, the BAR
# and the drive: about 60 s on TCG. Bytes of another process must never be
# seen, nothing may wait for a holder of the pages, and afterwards nothing
# stays mapped or pinned. A longer run by hand: guest/mm_fuzz --seed N
# --ops 800000 (about 5 minutes: phxvm --timeout 600).
phxfs_add_vm_test(mm_fuzz KMOD TIMEOUT 300
  ARGS --seed 1 --ops 150000 --procs 4)
