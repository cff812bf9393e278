"""The machine report: every finding says what was found and, when it fails, how to fix it."""

import sys

from dlicourse import readiness


def test_missing_module_fails_with_a_fix(data_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # what Python does for a module it cannot import
    text, ok = readiness.check_machine()
    assert not ok and "❌ cv2: missing" in text and "pip install" in text


def test_the_backends_own_library_is_required(data_dir, monkeypatch):
    """A GPU box may run Keras on JAX without TensorFlow: the backend's library is what must be there."""
    monkeypatch.setenv("KERAS_BACKEND", "no_such_backend")
    text, ok = readiness.check_machine()
    assert not ok and "❌ no_such_backend: missing" in text
