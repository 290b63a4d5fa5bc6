# SPDX-License-Identifier: MIT
"""Devices opened once per process, on first use, closed at exit."""
import atexit
import threading

from . import _lib

_open = set()
_lock = threading.Lock()


def ensure_open(device_id):
    with _lock:
        if device_id not in _open:
            _lib.check(_lib.lib.phxfs_open(device_id), f"phxfs_open({device_id})")
            _open.add(device_id)


@atexit.register
def _close_all():
    with _lock:
        for d in _open:
            _lib.lib.phxfs_close(d)
        _open.clear()


def mode(device_id=0):
    """"direct" (the module maps device memory) or "compat" (pinned host buffers)."""
    ensure_open(device_id)
    m = _lib.check(_lib.lib.phxfs_mode(device_id), f"phxfs_mode({device_id})")
    return "direct" if m == 1 else "compat"
