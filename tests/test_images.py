import numpy as np
import pytest
from PIL import Image

from dlicourse.images import ImageError, load_image


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / "rgb.png")
    Image.fromarray(rgb).save(tmp_path / "photo.jpg", quality=95)
    Image.fromarray(rgb[..., 0]).save(tmp_path / "gray.png")
    rgba = np.dstack([rgb, np.full((40, 60), 255, np.uint8)])
    rgba[:, :30, 3] = 0  # left half transparent
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.gif")
    Image.fromarray(rgb[..., 0].astype(np.uint16) * 257).save(tmp_path / "deep.png")
    Image.fromarray(rgb[:4, :4]).save(tmp_path / "tiny.png")
    (tmp_path / "broken.jpg").write_bytes((tmp_path / "photo.jpg").read_bytes()[:200])
    (tmp_path / "text.png").write_text("not an image")
    return tmp_path, rgb


@pytest.mark.parametrize("name", ["rgb.png", "photo.jpg", "gray.png", "rgba.png", "palette.gif", "deep.png"])
def test_every_mode_becomes_uint8_rgb(folder, name):
    path, _ = folder
    image = load_image(path / name)
    assert image.shape == (40, 60, 3) and image.dtype == np.uint8
    assert load_image(path / name, size=(16, 24)).shape == (16, 24, 3)
    assert load_image(path / name, size=100).shape == (100, 100, 3)


def test_conversions_keep_the_content(folder):
    path, rgb = folder
    assert np.array_equal(load_image(path / "rgb.png"), rgb)
    assert np.array_equal(load_image(path / "gray.png")[..., 1], rgb[..., 0])
    assert np.array_equal(load_image(path / "deep.png")[..., 2], rgb[..., 0])  # 16-bit scaled to 8-bit
    rgba = load_image(path / "rgba.png")
    assert (rgba[:, :30] == 255).all() and np.array_equal(rgba[:, 30:], rgb[:, 30:])  # transparent -> white


@pytest.mark.parametrize("name, reason", [
    ("absent.png", "no such file"), ("tiny.png", "too small"), ("broken.jpg", "damaged"),
    ("text.png", "not a readable image"),
])
def test_bad_files_get_one_line_reasons(folder, name, reason):
    path, _ = folder
    with pytest.raises(ImageError, match=reason) as info:
        load_image(path / name)
    assert "\n" not in str(info.value) and name in str(info.value)


def test_huge_images_are_refused_before_decoding(tmp_path, monkeypatch):
    from dlicourse import images

    Image.new("RGB", (400, 300)).save(tmp_path / "big.png")
    monkeypatch.setattr(images, "MAX_PIXELS", 100_000)
    with pytest.raises(ImageError, match="too large"):
        load_image(tmp_path / "big.png")


def test_exif_rotation_is_applied(tmp_path):
    image = Image.new("RGB", (30, 20))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    image.save(tmp_path / "phone.jpg", exif=exif)
    assert load_image(tmp_path / "phone.jpg").shape == (30, 20, 3)
