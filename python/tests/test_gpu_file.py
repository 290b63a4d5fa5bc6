# SPDX-License-Identifier: MIT
"""CUDA destinations (PyTorch, CuPy) and stream-ordered reads; skipped
without a CUDA device."""
import numpy as np
import pytest

import phxfs


def _torch_cuda():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device (torch.cuda.is_available() is False)")
    return torch


@pytest.fixture
def data_file(tmp_path):
    data = np.random.default_rng(3).integers(0, 256, (64 << 20) + 4099, dtype=np.uint8)
    p = tmp_path / "gpu.bin"
    p.write_bytes(data.tobytes())
    return p, data


def test_torch_cuda_read_write(data_file, tmp_path):
    torch = _torch_cuda()
    p, data = data_file
    t = torch.empty(data.size, dtype=torch.uint8, device="cuda:0")
    with phxfs.File(p) as f:
        assert f.read(t) == data.size
    torch.cuda.synchronize()
    assert np.array_equal(t.cpu().numpy(), data)
    q = tmp_path / "back.bin"
    with phxfs.File(q, "w") as f:
        assert f.write(t, 1 << 20, buf_offset=12345) == 1 << 20
    assert q.read_bytes() == data[12345:12345 + (1 << 20)].tobytes()


def test_torch_cuda_bf16_and_noncontiguous(data_file):
    torch = _torch_cuda()
    p, data = data_file
    t = torch.empty(1 << 20, dtype=torch.bfloat16, device="cuda:0")
    with phxfs.File(p) as f:
        assert f.read(t, file_offset=3) == 2 << 20
        with pytest.raises(TypeError, match="not contiguous"):
            f.read(torch.empty(64, 64, device="cuda:0").t())
    torch.cuda.synchronize()
    assert t.view(torch.uint8).cpu().numpy().tobytes() == data[3:3 + (2 << 20)].tobytes()


def test_torch_stream_ordered_read(data_file):
    torch = _torch_cuda()
    p, data = data_file
    s = torch.cuda.Stream()
    t = torch.zeros(8 << 20, dtype=torch.uint8, device="cuda:0")
    torch.cuda.synchronize()
    with phxfs.File(p) as f:
        fut = f.raw_read_async(t, s, file_offset=4096)
        assert fut.check_bytes_done() == 8 << 20
    assert np.array_equal(t.cpu().numpy(), data[4096:4096 + (8 << 20)])


def test_cupy_read_and_stream(data_file):
    cp = pytest.importorskip("cupy", reason="CuPy is not installed")
    try:
        cp.cuda.runtime.getDeviceCount()
    except cp.cuda.runtime.CUDARuntimeError as e:
        pytest.skip(f"no CUDA device ({e})")
    p, data = data_file
    a = cp.empty(1 << 20, dtype=cp.uint8)
    with phxfs.File(p) as f:
        assert f.read(a, file_offset=1) == 1 << 20
        assert np.array_equal(cp.asnumpy(a), data[1:1 + (1 << 20)])
        s = cp.cuda.Stream(non_blocking=True)
        b = cp.empty(1 << 20, dtype=cp.uint8)
        assert f.raw_read_async(b, s, file_offset=2).check_bytes_done() == 1 << 20
        assert np.array_equal(cp.asnumpy(b), data[2:2 + (1 << 20)])
        with pytest.raises(TypeError, match="not C-contiguous"):
            f.read(cp.empty((64, 64), dtype=cp.uint8)[:, ::2])
