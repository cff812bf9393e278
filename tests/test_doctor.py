"""`dlicourse doctor` on the command line: the exit status says whether the machine is ready."""

from dlicourse.instructor.cli import main


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
