"""02's stand-in: the real model when it is there, a small trained one (and a line saying so) when it is not."""

from dlicourse import standin


def test_an_existing_model_is_used_as_it_is(tmp_path, capsys):
    real = tmp_path / "louie.keras"
    real.write_bytes(b"x")
    assert standin.louie_model(real, tmp_path) == real
    assert capsys.readouterr().out == ""


def test_a_missing_model_gets_a_stand_in_that_answers_two_classes(tmp_path, capsys):
    import keras

    path = standin.louie_model(tmp_path / "missing.keras", tmp_path, photos=16, epochs=1)
    assert "No Louie model at" in capsys.readouterr().out
    assert keras.models.load_model(path).output_shape == (None, 2)
