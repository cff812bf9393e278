"""What the notebooks run on: GPU memory as the driver reports it."""

from dlicourse import environment


def test_gpu_memory_comes_from_the_driver(tmp_path, monkeypatch):
    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA H100 80GB HBM3, 81559 MiB'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path), prepend=":")
    assert environment._nvidia_memory() == ["NVIDIA H100 80GB HBM3, 81559 MiB"]
