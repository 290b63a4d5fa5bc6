# SPDX-License-Identifier: MIT
"""phxfs.defaults: the PHXFS_* environment knobs as libphxfs parses them
(src/knobs.c): unset or empty gives the default; a malformed value raises
ValueError naming the variable. libphxfs reads them once, at its first call."""
import collections.abc
import os

_K, _M, _G = 1 << 10, 1 << 20, 1 << 30
_SIZE = "a size from 4K to 1G, a multiple of 4K (suffixes K, M, G)"


def _number(text, suffixes):
    digits = text.rstrip("kKmMgG") if suffixes else text
    rest = text[len(digits):]
    if not digits or not digits.isascii() or not digits.isdigit() or len(rest) > 1:
        return None
    return int(digits) * {"": 1, "k": _K, "m": _M, "g": _G}[rest.lower()]


def _size(lo, hi, multiple):
    def parse(text):
        v = _number(text, True)
        return v if v is not None and lo <= v <= hi and v % multiple == 0 else None
    return parse


def _threads(text):
    v = _number(text, False)
    return v if v is not None and 1 <= v <= 256 else None


def _compat(text):
    return text if text in ("auto", "on", "off") else None


_KNOBS = {  # name: (parse, default, what a value must be)
    "PHXFS_COMPAT": (_compat, "auto", "auto, on or off"),
    "PHXFS_THREADS": (_threads, max(1, min(16, os.cpu_count() or 1)),
                      "a number of threads from 1 to 256"),
    "PHXFS_CHUNK_SIZE": (_size(4 * _K, _G, 4 * _K), 4 * _M, _SIZE),
    "PHXFS_BOUNCE_SIZE": (_size(4 * _K, _G, 4 * _K), 4 * _M, _SIZE),
    "PHXFS_SMALL_IO": (_size(0, _G, 1), 1 * _M, "a size from 0 to 1G (suffixes K, M, G)"),
    "PHXFS_PIPELINE_STEP": (_size(4 * _K, _G, 4 * _K), 4 * _M, _SIZE),
}


def parse(name, text):
    """The value of knob @name given @text (None or "": the default)."""
    fn, default, expected = _KNOBS[name]
    if not text:
        return default
    v = fn(text)
    if v is None:
        raise ValueError(f'{name}="{text}" is malformed: expected {expected}')
    return v


class Defaults(collections.abc.Mapping):
    """Read-only mapping knob name -> value, from os.environ at each lookup."""

    def __getitem__(self, name):
        return parse(name, os.environ.get(name))

    def __iter__(self):
        return iter(_KNOBS)

    def __len__(self):
        return len(_KNOBS)

    def __repr__(self):
        return "phxfs.defaults(" + ", ".join(f"{k}={self[k]!r}" for k in self) + ")"


defaults = Defaults()
