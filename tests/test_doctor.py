import builtins

from dlicourse import doctor
from dlicourse.cli import main


def test_healthy_set_up_passes(data_dir, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "keras backend" in out and "Ready for the labs." in out and str(data_dir) in out


def test_unwritable_data_dir_fails_with_a_fix(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DLICOURSE_DATA", str(blocker / "data"))
    assert main(["doctor"]) == 1
    assert "set DLICOURSE_DATA" in capsys.readouterr().out


def test_missing_module_fails_with_a_fix(data_dir, monkeypatch):
    real_import = builtins.__import__

    def no_cv2(name, *args, **kwargs):
        if name == "cv2":
            raise ImportError("No module named 'cv2'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cv2)
    monkeypatch.setattr(doctor.importlib, "import_module", lambda n: no_cv2(n))
    text, ok = doctor.report()
    assert not ok and "❌ cv2: missing" in text and "pip install" in text


def test_gpu_memory_comes_from_the_driver(tmp_path, monkeypatch):
    from dlicourse import environment

    smi = tmp_path / "nvidia-smi"
    smi.write_text("#!/bin/sh\necho 'NVIDIA H100 80GB HBM3, 81559 MiB'\n")
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path), prepend=":")
    assert environment._nvidia_memory() == ["NVIDIA H100 80GB HBM3, 81559 MiB"]


def test_the_backends_own_library_is_required(data_dir, monkeypatch):
    """A GPU box may run Keras on JAX without TensorFlow: the backend's library is what must be there."""
    monkeypatch.setenv("KERAS_BACKEND", "no_such_backend")
    text, ok = doctor.report()
    assert not ok and "❌ no_such_backend: missing" in text
