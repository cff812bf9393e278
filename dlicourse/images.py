"""Reading images from disk the way the labs need them: RGB, 8-bit, optionally resized.

Real-world files are messy: gray scans, RGBA screenshots, palette GIFs, 16-bit PNGs, phone photos
rotated by their EXIF tag, thumbnails and 50-megapixel photos, truncated downloads. Each either
becomes a clean uint8 RGB array or raises `ImageError` with one line that says what is wrong.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MIN_SIDE = 8
MAX_PIXELS = 100_000_000  # a 100-megapixel photo still loads; beyond that it is refused, not decoded
EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"})


class ImageError(ValueError):
    """A file that cannot be used as an image, with the reason in one line."""


def _size(size: int | tuple[int, int] | None) -> tuple[int, int] | None:
    if size is None:
        return None
    height, width = (size, size) if isinstance(size, int) else size
    if height < 1 or width < 1:
        raise ValueError(f"size must be positive, got {size}")
    return int(height), int(width)


def to_rgb(image: Image.Image) -> np.ndarray:
    """Any Pillow mode as uint8 RGB: 16-bit scaled down, transparency composited onto white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max() > 255 else 255.0
        gray = np.clip(np.round(values / top * 255), 0, 255).astype(np.uint8)
        return np.repeat(gray[..., None], 3, axis=2)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return np.asarray(Image.alpha_composite(background, rgba).convert("RGB"))
    return np.asarray(image.convert("RGB"))


def resize(image: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """Area averaging when shrinking (no aliasing), bilinear when enlarging."""
    height, width = _size(size)
    shrinking = height * width < image.shape[0] * image.shape[1]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interpolation)


def load_image(path: str | os.PathLike, size: int | tuple[int, int] | None = None) -> np.ndarray:
    """The image at `path` as a uint8 (H, W, 3) RGB array, resized to `size` (height, width) if given."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise ImageError(f"{path}: {width}x{height} pixels is too large (at most {MAX_PIXELS:,})")
                if min(width, height) < MIN_SIDE:
                    raise ImageError(f"{path}: {width}x{height} pixels is too small (at least {MIN_SIDE}x{MIN_SIDE})")
                target = _size(size)
                if target and opened.format == "JPEG":
                    opened.draft("RGB", (target[1] * 2, target[0] * 2))  # decode big JPEGs at reduced size
                rgb = to_rgb(ImageOps.exif_transpose(opened))
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageError(f"{path}: not a readable image ({err.__class__.__name__})") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{path}: damaged or unsupported image ({err})") from None
    return resize(rgb, size) if size is not None else rgb


def is_image_file(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in EXTENSIONS and not path.name.startswith(".")
