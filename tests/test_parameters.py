"""`-p` values and profile values must fit the type of the parameters cell's default."""

import pytest

from dlicourse.instructor.parameters import ParameterTypeError, fit


@pytest.mark.parametrize("value, default, fitted", [
    (5, 15, 5), (0.5, 0.1, 0.5), (3, 0.1, 3), (True, False, True), ("full", "subset", "full"),
    (123, "a/path", "123"), ("x.npz", None, "x.npz"), (None, None, None), ([1, 2], [384, 512], [1, 2]),
    ([1, 2.5], [0.5, 1.0], [1, 2.5]),
])
def test_values_that_fit_their_default(value, default, fitted):
    assert fit("name", value, default) == fitted


@pytest.mark.parametrize("value, default, expected", [
    ("abc", 15, "an integer"), (0.5, 15, "an integer"), (True, 15, "an integer"), ("abc", 0.1, "a number"),
    (1, False, "true or false"), (None, 15, "an integer"), (3, [384, 512], "a list"),
    ([1.5, 2], [384, 512], "a list"),
])
def test_values_that_do_not_fit_name_the_expected_type(value, default, expected):
    with pytest.raises(ParameterTypeError, match=f"name must be {expected} like its default"):
        fit("name", value, default)
