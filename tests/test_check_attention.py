"""The checks of 08_what_the_network_sees pass the reference, wait for FIXME, and name what a wrong map got wrong."""

import numpy as np
import pytest

from dlicourse import FIXME, attribution, check, reference_maps


def test_the_reference_occlusion_passes_and_fixme_waits():
    assert check.occlusion(reference_maps.occlusion_map)
    with pytest.raises(check.NotAttempted, match="still FIXME"):
        check.occlusion(FIXME)


def test_occlusion_mistakes_get_their_reason(capsys):
    assert not check.occlusion(lambda *a: -reference_maps.occlusion_map(*a))
    assert "opposite sign" in capsys.readouterr().out
    assert not check.occlusion(lambda m, im, label, patch, stride: reference_maps.occlusion_map(m, im, label, patch,
                                                                                                stride)[:16])
    assert "rows and columns" in capsys.readouterr().out
    assert not check.occlusion(lambda m, im, label, patch, stride: reference_maps.occlusion_map(
        m, im, label, patch, stride) * (patch // stride) ** 2)
    assert "mean" in capsys.readouterr().out
    assert not check.occlusion(lambda *a: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out
    with pytest.raises(check.NotAttempted, match="is still FIXME inside"):  # the lab's function, loop not written
        check.occlusion(lambda *a: np.maximum(FIXME, 1))


def test_the_reference_grad_cam_passes_and_fixme_waits():
    assert check.grad_cam(reference_maps.grad_cam)
    with pytest.raises(check.NotAttempted, match="still FIXME"):
        check.grad_cam(FIXME)
    with pytest.raises(check.NotAttempted, match="is still FIXME inside"):
        check.grad_cam(lambda *a: FIXME)


def _cam(weigh, relu=True, upsample=True):
    def grad_cam(model, images, classes):
        features, grads = attribution.feature_gradients(model, images, classes)
        cam = np.einsum("nrck,nk->nrc", features, weigh(grads))
        cam = np.maximum(cam, 0) if relu else cam
        return attribution.upsample(cam, images.shape[1:3]) if upsample else cam
    return grad_cam


def test_grad_cam_mistakes_get_their_reason(capsys):
    def mean(g):
        return g.mean(axis=(1, 2))

    assert not check.grad_cam(_cam(mean, upsample=False))
    assert "upsample" in capsys.readouterr().out
    assert not check.grad_cam(_cam(mean, relu=False))
    assert "ReLU" in capsys.readouterr().out
    assert not check.grad_cam(_cam(lambda g: g.sum(axis=(1, 2))))
    assert "mean" in capsys.readouterr().out
    assert not check.grad_cam(_cam(lambda g: g.max(axis=(1, 2))))
    assert "one weight per channel" in capsys.readouterr().out


def test_the_check_network_gives_maps_with_something_in_them():
    from dlicourse.check.attention import _images, _network
    model, images = _network(), _images()
    classes = model.predict(images, verbose=0).argmax(axis=1)
    assert (reference_maps.grad_cam(model, images, classes).max(axis=(1, 2)) > 0).all()
    assert np.abs(reference_maps.occlusion_map(model, images[0], int(classes[0]), 8, 4)).max() > 1e-4
