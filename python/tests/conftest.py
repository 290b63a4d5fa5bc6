# SPDX-License-Identifier: MIT
import pytest

np = pytest.importorskip("numpy", reason="NumPy is not installed")
