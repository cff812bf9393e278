"""Every location comes from one place, and each environment variable moves what it names."""

from dlicourse import paths


def test_the_repository_and_its_folders_follow_dlicourse_root(tmp_path, monkeypatch):
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    assert paths.project_root() == tmp_path.resolve()
    assert paths.solutions_dir() == tmp_path.resolve() / "solutions"
    assert paths.labs_dir() == tmp_path.resolve() / "labs"
    assert paths.datasets_dir() == tmp_path.resolve() / "datasets"


def test_shipped_data_that_is_missing_says_where_it_should_be(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="ships with the course repository.*DLICOURSE_ROOT"):
        paths.shipped_data("nothing_here")


def test_the_caches_follow_their_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("DLICOURSE_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    assert paths.data_dir() == tmp_path / "data"
    assert paths.keras_home() == tmp_path / "keras"
    monkeypatch.delenv("KERAS_HOME")
    assert paths.keras_home().name == ".keras"
