# SPDX-License-Identifier: MIT
# Memory-management tests of phoenix-fs: included from CMakeLists.txt.
# Each asserts the safe outcome of one finding of the review, with the raw
# ioctls on the ivshmem BAR (pci-bar provider).

# mremap of a mapped VMA: a whole move follows it, the rest is refused.
phxfs_add_vm_test(mm_mremap KMOD TIMEOUT 180 HARNESS_ARGS --bar-size 64M)
# MADV_DOFORK, then fork: the child's copy has no pages.
phxfs_add_vm_test(mm_fork_dofork KMOD TIMEOUT 180 HARNESS_ARGS --bar-size 64M)
# A MAP that fails part-way (EBUSY) leaves its VMA empty and nothing claimed.
phxfs_add_vm_test(mm_partial_map KMOD TIMEOUT 120 HARNESS_ARGS --bar-size 64M)
# madvise on a mapped VMA never frees the claim; UNMAP stays prompt.
phxfs_add_vm_test(mm_dontneed KMOD TIMEOUT 180 HARNESS_ARGS --bar-size 64M)
