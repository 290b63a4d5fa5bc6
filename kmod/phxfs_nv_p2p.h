/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The part of the NVIDIA driver's peer-to-peer interface that phoenix-fs
 * uses, declared from its documented ABI. When the driver's own header is
 * found at build time (PHXFS_NV_P2P_H), it is used instead and the
 * prototypes below are checked against it by the compiler.
 *
 * nvidia_p2p_get_pages() pins GPU memory named by its CUDA virtual address
 * (64 KiB aligned, a multiple of 64 KiB long) and returns the bus address of
 * each 64 KiB GPU page. When the application frees that memory first, the
 * driver calls the free callback, after which the page table is the
 * driver's again; nvidia_p2p_put_pages() is then still allowed and does
 * nothing. The driver serialises the callback with nvidia_p2p_put_pages().
 */
#ifndef PHXFS_NV_P2P_H
#define PHXFS_NV_P2P_H

#include <linux/bits.h>
#include <linux/types.h>

#ifdef PHXFS_NV_P2P_H_PATH
#include PHXFS_NV_P2P_H_PATH
#else

enum nvidia_p2p_page_size_type {
	NVIDIA_P2P_PAGE_SIZE_4KB = 0,
	NVIDIA_P2P_PAGE_SIZE_64KB,
	NVIDIA_P2P_PAGE_SIZE_128KB,
	NVIDIA_P2P_PAGE_SIZE_COUNT
};

/* 32 bytes: the bus address, then registers of pre-Kepler GPUs. */
struct nvidia_p2p_page {
	u64 physical_address;
	union nvidia_p2p_request_registers {
		struct {
			u32 wreqmb_h;
			u32 rreqmb_h;
			u32 rreqmb_0;
			u32 reserved[3];
		} fermi;
	} registers;
};

#define NVIDIA_P2P_PAGE_TABLE_VERSION	0x00010002

struct nvidia_p2p_page_table {
	u32 version;
	u32 page_size;		/* enum nvidia_p2p_page_size_type */
	struct nvidia_p2p_page **pages;
	u32 entries;
	u8 *gpu_uuid;
};

#endif /* PHXFS_NV_P2P_H_PATH */

int nvidia_p2p_get_pages(u64 p2p_token, u32 va_space, u64 virtual_address,
			 u64 length, struct nvidia_p2p_page_table **page_table,
			 void (*free_callback)(void *data), void *data);
int nvidia_p2p_put_pages(u64 p2p_token, u32 va_space, u64 virtual_address,
			 struct nvidia_p2p_page_table *page_table);
int nvidia_p2p_free_page_table(struct nvidia_p2p_page_table *page_table);
/*
 * Persistent pins (data-centre GPUs): no free callback; memory the
 * application frees stays the pin's until nvidia_p2p_put_pages_persistent().
 * The driver returns an error where the GPU does not support them. @flags
 * must be 0.
 */
int nvidia_p2p_get_pages_persistent(u64 virtual_address, u64 length,
				    struct nvidia_p2p_page_table **page_table,
				    u32 flags);
int nvidia_p2p_put_pages_persistent(u64 virtual_address,
				    struct nvidia_p2p_page_table *page_table,
				    u32 flags);

#define PHXFS_NV_GPU_PAGE_SHIFT	16
#define PHXFS_NV_GPU_PAGE_SIZE	BIT(PHXFS_NV_GPU_PAGE_SHIFT)

/* Same major version, same or newer minor: the layout above holds. */
static inline bool phxfs_nv_page_table_compatible(u32 version)
{
	return (version >> 16) == (NVIDIA_P2P_PAGE_TABLE_VERSION >> 16) &&
	       (version & 0xffff) >= (NVIDIA_P2P_PAGE_TABLE_VERSION & 0xffff);
}

#endif /* PHXFS_NV_P2P_H */
