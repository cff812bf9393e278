import numpy as np
import pytest

from dlicourse import FIXME
from dlicourse.placeholders import FixmeError, is_placeholder


@pytest.mark.parametrize("use", [
    lambda: float(FIXME), lambda: FIXME + 1, lambda: 255 - FIXME, lambda: FIXME.shape, lambda: FIXME(3),
    lambda: list(FIXME), lambda: np.asarray(FIXME, dtype=float), lambda: bool(FIXME), lambda: FIXME[0],
])
def test_using_a_placeholder_says_what_to_do(use):
    with pytest.raises(FixmeError, match="replace FIXME with your code"):
        use()


def test_placeholder_is_recognised_and_named():
    assert is_placeholder(FIXME)
    assert not is_placeholder(0) and not is_placeholder(None)
    assert repr(FIXME) == "FIXME"
