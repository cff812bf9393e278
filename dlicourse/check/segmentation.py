"""Checks for 05_segmentation: the kernel sizes and strides that take an FCN down and back up."""

from __future__ import annotations

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise


@exercise('05_segmentation',
          'Each convolution with stride s divides the size by s; three of them divide it by s**3.',
          'The transposed convolution must multiply it back by the same factor: its stride.',
          'Its kernel must be at least as big as its stride, or the output has gaps; twice the stride is usual.')
def upsampling(down_kernel_size: int, down_strides: int, up_kernel_size: int, up_strides: int,
               image_size: int = 128, downsampling_layers: int = 3) -> Verdict:
    """`downsampling_layers` Conv2D layers with `down_strides`, then one Conv2DTranspose back to full size.

    With padding "same", a convolution divides the size by its stride and a transposed convolution
    multiplies it by its stride, so the mask comes out at the image's size only if the strides cancel.
    """
    if (failed := missing(down_kernel_size=down_kernel_size, down_strides=down_strides,
                          up_kernel_size=up_kernel_size, up_strides=up_strides)) is not None:
        return failed
    if down_strides < 2:
        return verdict(False, f"A stride of {down_strides} keeps the size: the network never downsamples, so "
                              "each pixel sees only a small neighbourhood. Use stride 2.")
    if down_kernel_size < down_strides:
        return verdict(False, f"A kernel of {down_kernel_size} with stride {down_strides} skips pixels; make the "
                              "kernel at least as large as the stride.")
    smallest = image_size / down_strides**downsampling_layers
    if smallest != int(smallest) or smallest < 2:
        return verdict(False, f"{downsampling_layers} convolutions with stride {down_strides} shrink {image_size} "
                              f"pixels to {smallest:g}: pick a stride that divides evenly, such as 2.")
    if smallest * up_strides != image_size:
        return verdict(False, f"The deepest features are {smallest:g}x{smallest:g}; a transposed convolution with "
                              f"stride {up_strides} makes them {smallest * up_strides:g}x{smallest * up_strides:g}, "
                              f"not {image_size}x{image_size}. Its stride must undo all the downsampling.")
    if up_kernel_size < up_strides:
        return verdict(False, f"A transposed convolution with kernel {up_kernel_size} and stride {up_strides} "
                              "leaves gaps between its outputs; use a kernel at least as large as the stride "
                              "(FCN used twice the stride).")
    return verdict(True, f"Right: {image_size} -> {smallest:g} after {downsampling_layers} strided convolutions, "
                         f"and one transposed convolution with stride {up_strides} brings it back to {image_size}.")
