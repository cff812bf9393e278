"""Checksum manifests: written once, and every way a listed file can go wrong fails the same clear way."""

import pytest

from dlicourse import manifest

REMEDY = "Restore it from the repository."


@pytest.fixture
def listed(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"alpha")
    (tmp_path / "b.bin").write_bytes(b"beta")
    manifest.write(tmp_path / "manifest.json", ["a.bin", "b.bin"], recipe="test", seed=3)
    return tmp_path


def test_a_written_manifest_verifies_and_keeps_its_information(listed):
    data = manifest.verify(listed / "manifest.json", REMEDY)
    assert data["recipe"] == "test" and data["seed"] == 3
    assert set(data["sha256"]) == {"a.bin", "b.bin"}
    assert data["sha256"]["a.bin"] == "8ed3f6ad685b959ead7022518e1af76cd816f8e8ec7ccdda1ed4018e8f2223f8"


def test_a_damaged_file_is_named_with_both_checksums_and_the_remedy(listed):
    (listed / "b.bin").write_bytes(b"BETA")
    with pytest.raises(manifest.ManifestError, match=r"b.bin is damaged: its SHA-256 is \w{12}\.\.\., the manifest "
                                                     r"expects \w{12}\.\.\.\. Restore it from the repository."):
        manifest.verify(listed / "manifest.json", REMEDY)


def test_a_missing_file_or_manifest_is_named(listed):
    (listed / "a.bin").unlink()
    with pytest.raises(manifest.ManifestError, match="a.bin is missing. Restore it"):
        manifest.verify(listed / "manifest.json", REMEDY)
    with pytest.raises(manifest.ManifestError, match="nothing.json is missing. Restore it"):
        manifest.read(listed / "nothing.json", REMEDY)


@pytest.mark.parametrize("text, message", [("{ not json", "not valid JSON"), ('{"sha256": "abc"}', "no checksums"),
                                           ("[1, 2]", "no checksums")])
def test_an_unreadable_manifest_is_refused(tmp_path, text, message):
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(manifest.ManifestError, match=message):
        manifest.read(tmp_path / "manifest.json", REMEDY)


def test_the_error_is_a_value_error_so_callers_catch_bad_data_as_one_kind():
    assert issubclass(manifest.ManifestError, ValueError)
