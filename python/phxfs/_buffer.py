# SPDX-License-Identifier: MIT
"""A buffer's address, size and device, from the object itself.

Accepted: PyTorch tensors (CPU or CUDA, any dtype), anything with
__cuda_array_interface__ (CuPy, Numba), and anything with the buffer
protocol (NumPy, bytearray, memoryview). Non-contiguous buffers raise
TypeError and read-only destinations ValueError: nothing is ever copied.
"""
import ctypes
import math


class _PyBuffer(ctypes.Structure):  # Py_buffer, part of the stable ABI since 3.11
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object),
                ("len", ctypes.c_ssize_t), ("itemsize", ctypes.c_ssize_t),
                ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p), ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p)]


_api = ctypes.pythonapi
_api.PyObject_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(_PyBuffer), ctypes.c_int]
_api.PyBuffer_Release.argtypes = [ctypes.POINTER(_PyBuffer)]
_api.PyBuffer_IsContiguous.argtypes = [ctypes.POINTER(_PyBuffer), ctypes.c_char]
_PyBUF_STRIDES = 0x18


class Buffer:
    """ptr, nbytes, device (CUDA ordinal or None for host memory); hold it
    (a context manager) while the I/O runs."""

    def __init__(self, obj, writable):
        self.obj, self._view, self.device = obj, None, None
        if _is_torch(obj):
            self._from_torch(obj)
        elif hasattr(obj, "__cuda_array_interface__"):
            self._from_cai(obj.__cuda_array_interface__, obj)
        else:
            self._from_buffer_protocol(obj)
        self._check(writable)

    def _check(self, writable):
        if writable and self.readonly:
            self.release()
            raise ValueError(f"{type(self.obj).__name__} is read-only: not a destination")

    def _from_torch(self, t):
        if not t.is_contiguous():
            raise TypeError("tensor is not contiguous")
        self.ptr = t.data_ptr()
        self.nbytes = t.numel() * t.element_size()
        self.readonly = False
        if t.device.type == "cuda":
            self.device = t.device.index or 0
        elif t.device.type != "cpu":
            raise TypeError(f"tensor on {t.device}: neither CUDA nor CPU")

    def _from_cai(self, cai, obj):
        shape, typestr = tuple(cai["shape"]), cai["typestr"]
        itemsize = int(typestr[2:])
        strides = cai.get("strides")
        if strides is not None and tuple(strides) != _c_strides(shape, itemsize):
            if math.prod(shape) > 1:
                raise TypeError("array is not C-contiguous")
        self.ptr, self.readonly = cai["data"]
        self.nbytes = math.prod(shape) * itemsize
        dev = getattr(obj, "device", None)
        self.device = getattr(dev, "id", getattr(dev, "index", None)) or 0

    def _from_buffer_protocol(self, obj):
        view = _PyBuffer()
        try:
            _api.PyObject_GetBuffer(obj, ctypes.byref(view), _PyBUF_STRIDES)
        except (BufferError, TypeError) as e:
            raise TypeError(f"{type(obj).__name__} is not a buffer phxfs can use "
                            f"(no CUDA array interface, no buffer protocol: {e})") from None
        self._view = view
        if not _api.PyBuffer_IsContiguous(ctypes.byref(view), b"A"):
            self.release()
            raise TypeError(f"{type(obj).__name__} is not contiguous")
        self.ptr, self.nbytes, self.readonly = view.buf or 0, view.len, bool(view.readonly)

    def release(self):
        if self._view is not None:
            _api.PyBuffer_Release(ctypes.byref(self._view))
            self._view = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.release()

    def span(self, size, buf_offset):
        """The byte count of an I/O of @size at @buf_offset, checked to lie inside."""
        if buf_offset < 0 or buf_offset > self.nbytes:
            raise ValueError(f"buf_offset {buf_offset} outside a buffer of {self.nbytes} bytes")
        if size is None:
            size = self.nbytes - buf_offset
        if size < 0 or buf_offset + size > self.nbytes:
            raise ValueError(f"{size} bytes at buf_offset {buf_offset} do not fit a buffer "
                             f"of {self.nbytes} bytes")
        return size


def _is_torch(obj):
    return type(obj).__module__.startswith("torch") and hasattr(obj, "data_ptr") \
        and hasattr(obj, "is_contiguous")


def _c_strides(shape, itemsize):
    out, step = [], itemsize
    for n in reversed(shape):
        out.append(step)
        step *= n
    return tuple(reversed(out))
