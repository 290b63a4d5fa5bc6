# SPDX-License-Identifier: MIT
"""phxfs.File with host buffers (compat mode or not: host memory goes straight)."""
import os

import numpy as np
import pytest

import phxfs


def pattern(n, seed=1):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)


@pytest.fixture
def data_file(tmp_path):
    data = pattern(1 << 20 | 123)
    p = tmp_path / "data.bin"
    p.write_bytes(data.tobytes())
    return p, data


@pytest.mark.parametrize("direct", [None, False])
def test_read_numpy(data_file, direct):
    p, data = data_file
    out = np.zeros(data.size, np.uint8)
    with phxfs.File(p, "r", direct=direct) as f:
        assert f.read(out) == data.size
    assert np.array_equal(out, data)


def test_read_offsets_and_short_read(data_file):
    p, data = data_file
    out = bytearray(b"\xee" * 4096)
    with phxfs.File(p) as f:
        assert f.read(out, 1000, file_offset=77, buf_offset=5) == 1000
        assert f.read(out, 100, file_offset=data.size - 40, buf_offset=2000) == 40
        assert f.read(out, 10, file_offset=data.size + 1) == 0
    assert out[:5] == b"\xee" * 5
    assert out[5:1005] == data[77:1077].tobytes()
    assert out[1005:2000] == b"\xee" * 995
    assert out[2000:2040] == data[-40:].tobytes()
    assert out[2040:] == b"\xee" * (4096 - 2040)


def test_write_then_read(tmp_path):
    p = tmp_path / "w.bin"
    src = pattern(300000, seed=7).view(np.uint8)
    with phxfs.File(p, "w") as f:
        assert f.write(src) == src.size
        assert f.write(b"tail", file_offset=src.size) == 4
    assert p.read_bytes() == src.tobytes() + b"tail"
    with phxfs.File(p, "r+") as f:
        assert f.write(memoryview(b"XY"), file_offset=3) == 2
    assert p.read_bytes()[:5] == src[:3].tobytes() + b"XY"


def test_futures(data_file):
    p, data = data_file
    outs = [np.zeros(4096, np.uint8) for _ in range(8)]
    with phxfs.File(p) as f:
        futs = [f.pread(o, file_offset=i * 4096) for i, o in enumerate(outs)]
        assert [fu.get() for fu in futs] == [4096] * 8
        assert all(fu.done() for fu in futs)
    for i, o in enumerate(outs):
        assert np.array_equal(o, data[i * 4096:(i + 1) * 4096])


def test_refuses_without_copying(data_file):
    p, _ = data_file
    with phxfs.File(p) as f:
        with pytest.raises(ValueError, match="read-only"):
            f.read(b"immutable")
        ro = np.zeros(16, np.uint8)
        ro.flags.writeable = False
        with pytest.raises(ValueError, match="read-only"):
            f.read(ro)
        with pytest.raises(TypeError, match="not contiguous"):
            f.read(np.zeros((8, 8), np.uint8)[:, ::2])
        with pytest.raises(TypeError):
            f.read(12345)
        with pytest.raises(ValueError, match="do not fit"):
            f.read(bytearray(8), 9)
        with pytest.raises(ValueError, match="do not fit"):
            f.read(bytearray(8), 4, buf_offset=5)
        with pytest.raises(ValueError, match="negative"):
            f.read(bytearray(8), file_offset=-1)
    with pytest.raises(ValueError, match="closed"):
        f.read(bytearray(8))


def test_errors_are_oserror(tmp_path):
    p = tmp_path / "wo.bin"
    p.write_bytes(b"x" * 10)
    with phxfs.File(p, "a", direct=False) as f:
        with pytest.raises(OSError) as e:
            f.read(bytearray(4))
    assert e.value.errno == 9  # EBADF: not open for reading
    with pytest.raises(FileNotFoundError):
        phxfs.File(tmp_path / "absent")


def test_mode_register_info():
    assert phxfs.mode(0) in ("direct", "compat")
    buf = bytearray(4096)
    if phxfs.mode(0) == "compat":
        with phxfs.register(buf) as reg:
            assert not reg.registered and reg.nbytes == 4096
    inf = phxfs.info()
    assert "libphxfs" in inf


def test_missing_library_is_importerror(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, PHXFS_LIBRARY=str(tmp_path / "nothing.so"))
    r = subprocess.run([sys.executable, "-c", "import phxfs"], env=env,
                       capture_output=True, text=True)
    assert r.returncode != 0
    assert "ImportError" in r.stderr and "nothing.so (absent)" in r.stderr


def test_torch_cpu_tensor(data_file):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    p, data = data_file
    t = torch.empty(4096, dtype=torch.bfloat16)  # no __array_interface__ for bf16
    with phxfs.File(p) as f:
        assert f.read(t, file_offset=16) == 8192
        with pytest.raises(TypeError, match="not contiguous"):
            f.read(torch.zeros(8, 8)[:, ::2])
    assert t.view(torch.uint8).numpy().tobytes() == data[16:16 + 8192].tobytes()
