# SPDX-License-Identifier: MIT
"""phxfs.defaults parses each PHXFS_* knob as libphxfs does: the library
itself says which values are malformed (phxfs_open fails with EINVAL)."""
import os
import subprocess
import sys

import pytest

import phxfs
from phxfs import _knobs

CASES = [
    ("PHXFS_COMPAT", "auto", "auto"), ("PHXFS_COMPAT", "on", "on"),
    ("PHXFS_COMPAT", "off", None), ("PHXFS_COMPAT", "On", None), ("PHXFS_COMPAT", "1", None),
    ("PHXFS_THREADS", "1", 1), ("PHXFS_THREADS", "256", 256), ("PHXFS_THREADS", "0", None),
    ("PHXFS_THREADS", "257", None), ("PHXFS_THREADS", "4K", None), ("PHXFS_THREADS", "-1", None),
    ("PHXFS_CHUNK_SIZE", "4K", 4096), ("PHXFS_CHUNK_SIZE", "1g", 1 << 30),
    ("PHXFS_CHUNK_SIZE", "8192", 8192), ("PHXFS_CHUNK_SIZE", "4097", None),
    ("PHXFS_CHUNK_SIZE", "2G", None), ("PHXFS_CHUNK_SIZE", "4KB", None),
    ("PHXFS_CHUNK_SIZE", " 4K", None), ("PHXFS_BOUNCE_SIZE", "16M", 16 << 20),
    ("PHXFS_BOUNCE_SIZE", "0", None), ("PHXFS_SMALL_IO", "0", 0),
    ("PHXFS_SMALL_IO", "1", 1), ("PHXFS_SMALL_IO", "1025M", None),
    ("PHXFS_PIPELINE_STEP", "64K", 65536), ("PHXFS_PIPELINE_STEP", "k", None),
    ("PHXFS_PIPELINE_STEP", "٤K", None),
]


@pytest.mark.parametrize("name,text,want", CASES)
def test_knob(name, text, want, monkeypatch):
    monkeypatch.setenv(name, text)
    # "off" is well formed, but without the module phxfs_open fails with ENODEV.
    valid = want is not None or text == "off"
    if valid:
        if want is not None:
            assert phxfs.defaults[name] == want
    else:
        with pytest.raises(ValueError, match=name):
            phxfs.defaults[name]
    probe = ("import ctypes, os, sys; lib = ctypes.CDLL(os.environ['PHXFS_LIBRARY_PROBE'],"
             " use_errno=True); r = lib.phxfs_open(0); sys.exit(0 if r == 0 else"
             " ctypes.get_errno())")
    env = dict(os.environ, PHXFS_LIBRARY_PROBE=phxfs.library_path, **{name: text})
    rc = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True).returncode
    assert (rc != 22) == valid, f"libphxfs and phxfs.defaults disagree on {name}={text!r}"


def test_defaults_unset(monkeypatch):
    for k in _knobs._KNOBS:
        monkeypatch.delenv(k, raising=False)
    assert dict(phxfs.defaults)["PHXFS_CHUNK_SIZE"] == 4 << 20
    assert phxfs.defaults["PHXFS_COMPAT"] == "auto"
    assert len(phxfs.defaults) == 6
