# SPDX-License-Identifier: MIT
"""phxfs.File: KvikIO CuFile's calls over phxfs_read/phxfs_write."""
import concurrent.futures
import ctypes
import fcntl
import os

from . import _device, _lib
from ._buffer import Buffer

_pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1),
                                              thread_name_prefix="phxfs")
_FLAGS = {"r": os.O_RDONLY, "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
          "a": os.O_WRONLY | os.O_CREAT}


class IOFuture:
    """A pread/pwrite in flight: get() waits and returns the bytes moved."""

    def __init__(self, future):
        self._future = future

    def get(self):
        return self._future.result()

    def done(self):
        return self._future.done()


class IOFutureStream:
    """A stream-ordered read or write: check_bytes_done() synchronises the
    stream and returns the bytes moved (OSError if the I/O failed)."""

    def __init__(self, stream, bytes_done, keep):
        self._stream, self._bytes_done, self._keep = stream, bytes_done, keep

    def check_bytes_done(self):
        _cuda().cuStreamSynchronize(ctypes.c_void_p(self._stream))
        n = self._bytes_done.value
        self._keep.release()
        if n < 0:
            raise OSError(-n, os.strerror(-n))
        return n


_libcuda = None


def _cuda():
    global _libcuda
    if _libcuda is None:
        _libcuda = ctypes.CDLL("libcuda.so.1")
        _libcuda.cuStreamSynchronize.argtypes = [ctypes.c_void_p]
    return _libcuda


def _stream_handle(stream):
    """A CUstream from an int, a CuPy stream (.ptr), a PyTorch stream
    (.cuda_stream), an object with __cuda_stream__, or None (legacy default)."""
    if stream is None:
        return 0
    if isinstance(stream, int):
        return stream
    if hasattr(stream, "__cuda_stream__"):
        return stream.__cuda_stream__()[1]
    for attr in ("cuda_stream", "ptr", "handle"):
        if hasattr(stream, attr):
            return int(getattr(stream, attr))
    raise TypeError(f"{type(stream).__name__} is not a CUDA stream")


class File:
    """A file for reads and writes of device (or host) memory.

    mode: "r", "w", "a", each with "+" for reading and writing too.
    direct: True opens with O_DIRECT, False without, None (default) tries
    O_DIRECT and falls back where the file system refuses it.
    device: the phxfs device used for host buffers and for CUDA buffers
    whose device the object does not say.
    """

    def __init__(self, file, flags="r", direct=None, device=0):
        self._fd = -1
        self.path = os.fspath(file)
        base = flags.replace("+", "").replace("b", "")
        if base not in _FLAGS or len(base) != 1:
            raise ValueError(f"mode {flags!r}: expected r, w or a, optionally with +")
        oflags = _FLAGS[base]
        # Unaligned O_DIRECT writes read the blocks they patch.
        if "+" in flags or (base != "r" and direct is not False):
            oflags = (oflags & ~(os.O_WRONLY | os.O_RDONLY)) | os.O_RDWR
        self.device = device
        _device.ensure_open(device)
        if direct is not False:
            try:
                self._fd = os.open(self.path, oflags | os.O_DIRECT, 0o666)
            except OSError as e:
                if direct or e.errno != 22:
                    raise
        if self._fd < 0:
            self._fd = os.open(self.path, oflags, 0o666)
        self.direct = bool(fcntl.fcntl(self._fd, fcntl.F_GETFL) & os.O_DIRECT)

    # -- lifetime
    def close(self):
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    @property
    def closed(self):
        return self._fd < 0

    def fileno(self):
        return self._fd

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        self.close()

    # -- synchronous
    def _io(self, call, buf, size, file_offset, buf_offset, writing_to_buf):
        if self._fd < 0:
            raise ValueError("I/O on a closed phxfs.File")
        if file_offset < 0:
            raise ValueError(f"negative file_offset {file_offset}")
        with Buffer(buf, writable=writing_to_buf) as b:
            n = b.span(size, buf_offset)
            dev = self.device if b.device is None else b.device
            _device.ensure_open(dev)
            return _lib.check(call(self._fd, dev, b.ptr, buf_offset, n, file_offset),
                              call.__name__, self.path)

    def read(self, buf, size=None, file_offset=0, task_size=None, *, buf_offset=0):
        """Read into buf; returns the bytes read (fewer only at end of file)."""
        return self._io(_lib.lib.phxfs_read, buf, size, file_offset, buf_offset, True)

    def write(self, buf, size=None, file_offset=0, task_size=None, *, buf_offset=0):
        """Write from buf; returns the bytes written."""
        return self._io(_lib.lib.phxfs_write, buf, size, file_offset, buf_offset, False)

    raw_read, raw_write = read, write

    # -- futures
    def pread(self, buf, size=None, file_offset=0, task_size=None, *, buf_offset=0):
        return IOFuture(_pool.submit(self.read, buf, size, file_offset, buf_offset=buf_offset))

    def pwrite(self, buf, size=None, file_offset=0, task_size=None, *, buf_offset=0):
        return IOFuture(_pool.submit(self.write, buf, size, file_offset, buf_offset=buf_offset))

    # -- stream-ordered
    def _async(self, call, buf, stream, size, file_offset, dev_offset, writing_to_buf):
        if self._fd < 0:
            raise ValueError("I/O on a closed phxfs.File")
        b = Buffer(buf, writable=writing_to_buf)
        try:
            n = b.span(size, dev_offset)
            dev = self.device if b.device is None else b.device
            _device.ensure_open(dev)
            done = ctypes.c_ssize_t(-1)
            handle = _stream_handle(stream)
            _lib.check(call(self._fd, dev, b.ptr, dev_offset, n, file_offset,
                            ctypes.byref(done), ctypes.c_void_p(handle)),
                       call.__name__, self.path)
        except BaseException:
            b.release()
            raise
        return IOFutureStream(handle, done, b)

    def raw_read_async(self, buf, stream, size=None, file_offset=0, dev_offset=0):
        return self._async(_lib.lib.phxfs_read_async, buf, stream, size, file_offset,
                           dev_offset, True)

    def raw_write_async(self, buf, stream, size=None, file_offset=0, dev_offset=0):
        return self._async(_lib.lib.phxfs_write_async, buf, stream, size, file_offset,
                           dev_offset, False)
