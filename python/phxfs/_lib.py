# SPDX-License-Identifier: MIT
"""Finds and loads libphxfs, and declares the C API to ctypes.

Looked for, in order: $PHXFS_LIBRARY (that alone, when set); the prefix
this package was installed into by `cmake --install` (_paths.py); the
repository's build tree (build/src); the dynamic linker's own search.
ctypes.CDLL releases the GIL around every call, so I/O runs without it.
"""
import ctypes
import os

_SONAME = "libphxfs.so.0"
# Every symbol the package calls; the newest (PHXFS_0.3) last, so that an
# older library is named as such.
_NEEDED = ("phxfs_open", "phxfs_close", "phxfs_regmem", "phxfs_deregmem",
           "phxfs_mode", "phxfs_read", "phxfs_write", "phxfs_read_async",
           "phxfs_write_async", "phxfs_registered", "phxfs_batch_run")


def _candidates():
    env = os.environ.get("PHXFS_LIBRARY")
    if env:
        return [env]
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    try:
        from . import _paths  # written by cmake --install
        out.append(os.path.normpath(os.path.join(here, _paths.LIBDIR, _SONAME)))
    except ImportError:
        pass
    out.append(os.path.normpath(os.path.join(here, "..", "..", "build", "src", _SONAME)))
    out.append(_SONAME)
    return out


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(f"{path} (absent)")
            continue
        try:
            lib = ctypes.CDLL(path, use_errno=True)
        except OSError as e:
            tried.append(f"{path} ({e})")
            continue
        missing = [s for s in _NEEDED if not hasattr(lib, s)]
        if missing:
            tried.append(f"{path} (too old: lacks {', '.join(missing)}; "
                         "need libphxfs with the PHXFS_0.3 symbols)")
            continue
        return lib, path
    raise ImportError("phxfs: no usable libphxfs; looked for: " + "; ".join(tried) +
                      ". Set PHXFS_LIBRARY to the path of libphxfs.so.0.")


lib, path = _load()

_vp, _sz, _off = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int64
_ssz = ctypes.c_ssize_t
for _name, _res, _args in (
        ("phxfs_open", ctypes.c_int, [ctypes.c_int]),
        ("phxfs_close", ctypes.c_int, [ctypes.c_int]),
        ("phxfs_mode", ctypes.c_int, [ctypes.c_int]),
        ("phxfs_regmem", ctypes.c_int, [ctypes.c_int, _vp, _sz, ctypes.POINTER(_vp)]),
        ("phxfs_deregmem", ctypes.c_int, [ctypes.c_int, _vp, _sz]),
        ("phxfs_registered", ctypes.c_int, [ctypes.c_int, _vp, _sz]),
        ("phxfs_read", _ssz, [ctypes.c_int, ctypes.c_int, _vp, _sz, _sz, _off]),
        ("phxfs_write", _ssz, [ctypes.c_int, ctypes.c_int, _vp, _sz, _sz, _off]),
        ("phxfs_read_async", ctypes.c_int, [ctypes.c_int, ctypes.c_int, _vp, _sz, _sz,
                                            _off, ctypes.POINTER(_ssz), _vp]),
        ("phxfs_write_async", ctypes.c_int, [ctypes.c_int, ctypes.c_int, _vp, _sz, _sz,
                                             _off, ctypes.POINTER(_ssz), _vp])):
    _f = getattr(lib, _name)
    _f.restype, _f.argtypes = _res, _args


def check(ret, what, filename=None):
    """ret, or OSError with the call's errno when it is -1."""
    if ret < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}", filename)
    return ret
