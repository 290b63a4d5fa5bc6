/* SPDX-License-Identifier: MIT */
/*
 * phxfs.h - LibPhoenix: direct storage I/O into device (GPU) memory.
 *
 * Every call returns 0 (or a count) on success and -1 with errno set on
 * failure. Calls are thread-safe.
 *
 * The I/O calls take the device pointer itself and any size or alignment:
 *
 *	phxfs_open(0);
 *	fd = open(path, O_RDONLY | O_DIRECT);        // or without O_DIRECT
 *	phxfs_read(fd, 0, dev_buf, 0, len, 0);       // storage -> device memory
 *	phxfs_close(0);
 *
 * Registered buffers (phxfs_regmem) go straight from storage to the device
 * (the module maps them); others go through pinned host buffers. The seed
 * API underneath gives a host address backed by device memory, for one's
 * own pread()/pwrite() on O_DIRECT descriptors:
 *
 *	phxfs_regmem(0, dev_buf, len, &target);
 *	pread(fd, target, len, 0);
 *	phxfs_deregmem(0, dev_buf, len);
 *
 * Environment (read once, at the first call; unset or empty: the default):
 *	PHXFS_COMPAT	  auto (default): use the module where it is loaded,
 *			  else pinned host buffers; on: always host buffers;
 *			  off: the module or nothing (phxfs_open: ENODEV)
 *	PHXFS_THREADS	  worker threads of the I/O calls, 1 to 256 (default:
 *			  the online CPUs, at most 16)
 *	PHXFS_CHUNK_SIZE  largest piece of one request a worker takes, 4K to
 *			  1G, a multiple of 4K (default 4M)
 *	PHXFS_BOUNCE_SIZE size of each of a thread's two pinned host buffers,
 *			  4K to 1G, a multiple of 4K (default 4M)
 *	PHXFS_SMALL_IO	  requests up to this size run in the calling thread,
 *			  0 to 1G (default 1M)
 *	PHXFS_PIPELINE_STEP
 *			  smallest step of device memory's transfers through
 *			  the pinned buffers, each step's file I/O overlapping
 *			  the GPU copy of the one before: a request (or a
 *			  piece of one) goes in about four steps, each at
 *			  least this and at most PHXFS_BOUNCE_SIZE, in one if
 *			  it is no larger; 4K to 1G, a multiple of 4K
 *			  (default 4M, as large as a bounce: on an H100 the
 *			  cost of more, smaller copies outweighed the overlap,
 *			  bench/RESULTS.md)
 * Sizes take a K, M or G suffix (powers of 1024). A malformed value makes
 * phxfs_open() fail with EINVAL and say why, in one line on stderr.
 */
#ifndef PHXFS_H
#define PHXFS_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PHXFS_VERSION_MAJOR 0
#define PHXFS_VERSION_MINOR 1

#if defined(__GNUC__)
#define PHXFS_EXPORT __attribute__((visibility("default")))
#else
#define PHXFS_EXPORT
#endif

/* How an open device moves data: phxfs_mode(). */
enum phxfs_mode {
	PHXFS_MODE_DIRECT = 1,	/* the module maps device memory */
	PHXFS_MODE_COMPAT = 2,	/* through pinned host buffers */
};

/**
 * phxfs_open() - open device @device_id (/dev/phxfs_dev<device_id>)
 *
 * Counted: each successful call needs one phxfs_close(). Without the
 * module (or with PHXFS_COMPAT=on) the device opens in compat mode, where
 * @device_id is the CUDA device ordinal (any number below 64 where CUDA
 * is absent: host buffers still work) and phxfs_regmem() fails with
 * EOPNOTSUPP; the I/O calls work in both modes.
 *
 * Errors: ENODEV no such device (module not loaded and PHXFS_COMPAT=off,
 * or no device with that number); EACCES no permission on the device node;
 * EPROTO the loaded module speaks another ABI major version; EINVAL a
 * malformed PHXFS_* environment variable; EMFILE, ENFILE, ENOMEM.
 */
PHXFS_EXPORT int phxfs_open(int device_id);

/**
 * phxfs_close() - undo one phxfs_open()
 *
 * The last close deregisters every range still registered on the device.
 *
 * Errors: ENODEV the device is not open in this process.
 */
PHXFS_EXPORT int phxfs_close(int device_id);

/**
 * phxfs_regmem() - make device memory a target of ordinary I/O
 * @device_id: an open device
 * @addr: device memory: a CUDA device pointer (nvidia), or this process's
 *	mapping of the device's BAR (pci-bar)
 * @len: bytes, > 0; any size the device has
 * @target_addr: out: a host virtual address backed by @addr..@addr+@len,
 *	one contiguous range, for pread()/pwrite() on O_DIRECT file
 *	descriptors (the kernel DMAs straight to the device)
 *
 * Errors: ENODEV device not open, or removed; EINVAL NULL pointer, @len 0,
 * range wraps, alignment the device cannot pin, range overlaps one already
 * registered on this device, or @addr is not memory of this device;
 * EFAULT @addr is not mapped in this process; EBUSY the device memory is
 * already registered elsewhere; EOPNOTSUPP the device is in compat mode;
 * ENOMEM.
 */
PHXFS_EXPORT int phxfs_regmem(int device_id, const void *addr, size_t len,
			      void **target_addr);

/**
 * phxfs_deregmem() - undo phxfs_regmem(@device_id, @addr, @len, ...)
 *
 * @target_addr becomes invalid. Must name exactly a registered range.
 *
 * Errors: ENODEV device not open; EINVAL NULL @addr or @len 0; ENOENT no
 * range registered at @addr with length @len; EACCES called in a child
 * after fork() (registrations belong to the process that made them, and
 * are not inherited).
 */
PHXFS_EXPORT int phxfs_deregmem(int device_id, const void *addr, size_t len);

/**
 * phxfs_registered() - whether device memory is registered
 * @device_id: an open device
 * @addr, @len: a range, @len > 0
 *
 * For code handed a buffer it did not register (an I/O library, an HDF5
 * connector) that wants to know whether phxfs_read() moves it straight.
 *
 * Return: 1 if [@addr, @addr + @len) lies inside one registration of
 * @device_id, 0 if not (compat mode registers nothing); -1 with ENODEV
 * (device not open) or EINVAL (NULL @addr, @len 0, range wraps).
 */
PHXFS_EXPORT int phxfs_registered(int device_id, const void *addr,
				  size_t len);

/**
 * phxfs_mode() - how an open device moves data
 *
 * Return: PHXFS_MODE_DIRECT or PHXFS_MODE_COMPAT; -1 with ENODEV if the
 * device is not open.
 */
PHXFS_EXPORT int phxfs_mode(int device_id);

/**
 * phxfs_read() - read from a file into device (or host) memory
 * @fd: a file descriptor open for reading, with or without O_DIRECT
 * @device_id: an open device; @buf is its memory, or host memory
 * @buf: device pointer (CUDA), registered device memory, or host memory
 * @buf_offset: where in @buf the bytes go
 * @size: bytes; any size (split into parallel pieces)
 * @file_offset: where in the file they come from; any alignment (an
 *	O_DIRECT descriptor's unaligned head and tail go through a bounce)
 *
 * Return: bytes read, fewer than @size only at end of file (like pread:
 * a read that starts there returns 0), or -1 with errno: EBADF (@fd not
 * open for reading), EINVAL (NULL @buf, negative offset, size over
 * SSIZE_MAX, offsets wrap, an O_DIRECT alignment over PHXFS_BOUNCE_SIZE),
 * ENODEV (device not open), EFAULT (@buf is not memory this process can
 * reach), EIO (the GPU copy failed), ENOMEM, or pread's own errors. On
 * error the bytes of @buf in the range are undefined; so are, on an
 * O_DIRECT descriptor, those of the range past a short read's count (the
 * kernel's DMA may fill them, as with pread). Nothing outside the range
 * is written.
 *
 * Device memory is read or written after the work queued before the call
 * on the legacy default stream, like cudaMemcpy(); work on other streams
 * (or on per-thread default streams) that touches @buf must be complete
 * first. phxfs_read_async() orders a read on a stream instead.
 */
PHXFS_EXPORT ssize_t phxfs_read(int fd, int device_id, void *buf,
				size_t buf_offset, size_t size,
				off_t file_offset);

/**
 * phxfs_write() - write device (or host) memory to a file
 *
 * As phxfs_read(), the other way; returns @size or -1. Unaligned heads
 * and tails on O_DIRECT descriptors are read, modified and written back:
 * the descriptor must be open for reading too (else EBADF), and
 * concurrent writers of the same file block must serialise themselves. A
 * write past the end of the file that ends inside a block leaves the file
 * ending exactly at the write's end. Not for O_APPEND descriptors.
 */
PHXFS_EXPORT ssize_t phxfs_write(int fd, int device_id, const void *buf,
				 size_t buf_offset, size_t size,
				 off_t file_offset);

/* Batches: many requests in flight, completions reaped in any order. */
enum phxfs_opcode {
	PHXFS_OP_READ = 0,
	PHXFS_OP_WRITE = 1,
};

/**
 * struct phxfs_io_req - one request of a batch; the arguments of
 * phxfs_read() or phxfs_write(), and a cookie for the completion
 */
struct phxfs_io_req {
	int opcode;		/* enum phxfs_opcode */
	int fd;
	int device_id;
	void *buf;
	size_t buf_offset;
	size_t size;
	off_t file_offset;
	void *user_data;
};

/**
 * struct phxfs_io_event - the completion of one request
 * @user_data: the request's
 * @result: bytes transferred, or -errno
 */
struct phxfs_io_event {
	void *user_data;
	ssize_t result;
};

typedef struct phxfs_batch phxfs_batch_t;

/**
 * phxfs_batch_create() - a batch context (io_uring where available)
 * @depth: requests kept in flight at once (0: a default); more may be
 *	submitted, they wait their turn
 *
 * Return: the context, or NULL with errno EINVAL or ENOMEM.
 */
PHXFS_EXPORT phxfs_batch_t *phxfs_batch_create(unsigned int depth);

/**
 * phxfs_batch_submit() - queue @n requests; no limit on @n
 *
 * Return: 0, or -1 with errno: EINVAL (a malformed request: nothing of
 * this call is queued), ENOMEM. Errors of the I/O itself come as events.
 */
PHXFS_EXPORT int phxfs_batch_submit(phxfs_batch_t *batch,
				    const struct phxfs_io_req *reqs,
				    unsigned int n);

/**
 * phxfs_batch_reap() - wait for at least @min completions, take up to @max
 * @timeout: NULL waits forever
 *
 * Return: the number of events stored (may be less than @min on timeout),
 * or -1 with errno EINVAL.
 */
PHXFS_EXPORT int phxfs_batch_reap(phxfs_batch_t *batch,
				  struct phxfs_io_event *events,
				  unsigned int min, unsigned int max,
				  const struct timespec *timeout);

/**
 * phxfs_batch_run() - submit @n requests and wait for every one of them
 * @batch: a batch with nothing in flight
 * @reqs: the requests (their user_data is not used)
 * @results: out: each request's result, in the order of @reqs: bytes
 *	moved, or -errno
 *
 * Return: 0 when every request has ended (@results say how), or -1 with
 * errno: EINVAL a bad argument or request (nothing submitted), EBUSY
 * @batch has requests in flight, ENOMEM.
 */
PHXFS_EXPORT int phxfs_batch_run(phxfs_batch_t *batch,
				 const struct phxfs_io_req *reqs,
				 unsigned int n, ssize_t *results);

/**
 * phxfs_batch_destroy() - wait for every request, drop their events, free
 */
PHXFS_EXPORT void phxfs_batch_destroy(phxfs_batch_t *batch);

/**
 * phxfs_read_async() - phxfs_read() ordered on a CUDA stream
 * @stream: a CUstream / cudaStream_t (NULL: the legacy default stream)
 * @bytes_done: written when the read completes, in stream order: bytes
 *	read or -errno; must stay valid until then
 *
 * The read starts after the work queued on @stream before it, and work
 * queued after it waits for it.
 *
 * Return: 0 when queued, or -1 with errno (EINVAL, ENODEV, ENOTSUP without
 * CUDA).
 */
PHXFS_EXPORT int phxfs_read_async(int fd, int device_id, void *buf,
				  size_t buf_offset, size_t size,
				  off_t file_offset, ssize_t *bytes_done,
				  void *stream);

/**
 * phxfs_write_async() - phxfs_write() ordered on a CUDA stream
 */
PHXFS_EXPORT int phxfs_write_async(int fd, int device_id, const void *buf,
				   size_t buf_offset, size_t size,
				   off_t file_offset, ssize_t *bytes_done,
				   void *stream);

#ifdef __cplusplus
}
#endif

#endif /* PHXFS_H */
