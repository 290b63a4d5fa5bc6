# SPDX-License-Identifier: MIT
"""phxfs: LibPhoenix from Python (ctypes; the standard library alone).

    import phxfs
    with phxfs.File("data.bin", "r") as f:
        n = f.read(buf)        # a CuPy array, CUDA tensor, NumPy array, bytearray...
"""
import contextlib
import ctypes
import json
import os
import shutil
import subprocess

from . import _device, _lib
from ._buffer import Buffer
from ._file import File, IOFuture, IOFutureStream
from ._knobs import defaults

__all__ = ["File", "IOFuture", "IOFutureStream", "defaults", "info", "mode", "register",
           "library_path"]
__version__ = "0.1.0"
library_path = _lib.path
mode = _device.mode
CuFile = File  # KvikIO's name


class Registration:
    """A registered range: target is the host address backed by it (None
    in compat mode, where nothing is registered and I/O still works)."""

    def __init__(self, device, ptr, nbytes, target):
        self.device, self.ptr, self.nbytes, self.target = device, ptr, nbytes, target

    @property
    def registered(self):
        return self.target is not None


@contextlib.contextmanager
def register(buf, device=None):
    """phxfs_regmem for the duration of a with block; in compat mode a no-op."""
    b = Buffer(buf, writable=False)
    dev = b.device if b.device is not None else (device or 0)
    _device.ensure_open(dev)
    target = None
    try:
        if _device.mode(dev) == "direct":
            t = ctypes.c_void_p()
            _lib.check(_lib.lib.phxfs_regmem(dev, b.ptr, b.nbytes, ctypes.byref(t)),
                       "phxfs_regmem")
            target = t.value
        yield Registration(dev, b.ptr, b.nbytes, target)
    finally:
        if target is not None:
            _lib.lib.phxfs_deregmem(dev, b.ptr, b.nbytes)
        b.release()


def _info_tool():
    """phxfs-info beside the library (build tree or prefix), else on PATH."""
    libdir = os.path.dirname(os.path.abspath(_lib.path)) if os.sep in _lib.path else None
    if libdir:
        for rel in ("../tools/phxfs-info", "../bin/phxfs-info", "../../bin/phxfs-info"):
            p = os.path.normpath(os.path.join(libdir, rel))
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    return shutil.which("phxfs-info")


def info():
    """What phxfs-info --json reports; without the tool, what the library says."""
    tool = _info_tool()
    if tool:
        out = subprocess.run([tool, "--json"], capture_output=True, text=True, check=False)
        with contextlib.suppress(ValueError):
            return json.loads(out.stdout)
    return {"libphxfs": {"path": _lib.path}, "mode": mode(0),
            "environment": dict(defaults)}
