# SPDX-License-Identifier: MIT
# GUP holders, pci-bar rights and interruptible insertion: included from CMakeLists.txt.

# A pipe (vmsplice), io_uring fixed buffers and an O_DIRECT read hold the
# pages when their owner unmaps: UNMAP is prompt, the pages stay claimed
# (EBUSY) until the holder lets go, then the counters drop to 0.
phxfs_add_vm_test(mm_gup_holders KMOD TIMEOUT 240)
# A read-only mapping of resource2 gives no right to write the BAR through
# phxfs (EACCES); ranges past the source VMA and anonymous memory refused.
phxfs_add_vm_test(mm_pcibar_rights KMOD)
# SIGKILL during a MAP of the whole BAR ends it promptly. 32 GiB is the
# largest BAR the 1 GiB guest takes (its struct pages: 512 MiB; 64G fails
# the vmemmap allocation); 4G inserts in 0.5 s, too quick to tell.
phxfs_add_vm_test(mm_kill_insert KMOD TIMEOUT 300 HARNESS_ARGS --bar-size 32G)
