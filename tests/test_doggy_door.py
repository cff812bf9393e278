"""The script that 02_deployment writes prints only its answer, or one line saying what went wrong."""

import json
import os
import subprocess
import sys

import keras
import nbformat
import numpy as np
import pytest
from conftest import ROOT
from PIL import Image


@pytest.fixture(scope="module")
def door(tmp_path_factory):
    """doggy_door.py as the solution writes it, beside a tiny model and its class names."""
    folder = tmp_path_factory.mktemp("door")
    notebook = nbformat.read(ROOT / "solutions" / "02_deployment.ipynb", as_version=4)
    source = next(c.source for c in notebook.cells if c.get("id") == "script")
    (folder / "doggy_door.py").write_text(source.split("\n", 1)[1])  # drop the %%writefile line
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((None, None, 3)), keras.layers.Resizing(8, 8),
                              keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.save(folder / "louie_deployed.keras")
    (folder / "class_names.json").write_text(json.dumps(["louie", "not louie"]))
    Image.fromarray(np.full((40, 30, 3), 200, np.uint8)).save(folder / "photo.png")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return folder


def _door(folder, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}  # as a learner's shell has it
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, str(folder / "doggy_door.py"), *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=folder, timeout=180)


def test_the_script_prints_only_its_answer(door):
    result = _door(door, door / "photo.png")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() in (["louie"], ["not louie"])
    assert result.stderr == ""


@pytest.mark.parametrize("name", ["corrupt.jpg", "no_such_photo.jpg"])
def test_a_bad_file_gets_one_line(door, name):
    result = _door(door, door / name)
    assert result.returncode == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("doggy_door: "), result.stderr


def test_a_missing_model_gets_one_line(door, tmp_path):
    (tmp_path / "doggy_door.py").write_text((door / "doggy_door.py").read_text())
    result = _door(tmp_path, door / "photo.png")
    assert result.returncode == 1
    assert result.stderr.startswith("doggy_door: cannot load the model") and len(result.stderr.splitlines()) == 1


def test_the_served_door_answers_each_path_on_its_own_line(door):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, str(door / "doggy_door.py"), "--serve"], cwd=door, env=env,
                            input=f"{door / 'photo.png'}\n{door / 'corrupt.jpg'}\n{door / 'photo.png'}\n",
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    first, bad, again = result.stdout.splitlines()
    assert first in ("louie", "not louie") and again == first
    assert bad.startswith("error: ") and "corrupt.jpg" in bad
