"""The data cache: checked on every load, made again when damaged, never half-written."""

import numpy as np
import pytest

from dlicourse.datasets import _cache


def test_cache_remakes_a_damaged_file_and_never_keeps_a_half_written_one(data_dir):
    calls = []

    def make():
        calls.append(1)
        return {"a": np.arange(5)}

    assert _cache.cached("demo", 1, {"n": 5}, make)["a"].tolist() == [0, 1, 2, 3, 4]
    assert _cache.cached("demo", 1, {"n": 5}, make)["a"].tolist() == [0, 1, 2, 3, 4]
    assert len(calls) == 1
    [npz] = (data_dir / "demo").glob("*.npz")
    npz.write_bytes(npz.read_bytes()[:-10])  # a truncated file, as a killed write would leave
    with pytest.warns(UserWarning, match="failed its checksum"):
        assert _cache.cached("demo", 1, {"n": 5}, make)["a"].tolist() == [0, 1, 2, 3, 4]
    assert len(calls) == 2

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _cache.cached("demo", 1, {"n": 6}, interrupted)
    assert sorted(p.suffix for p in (data_dir / "demo").iterdir()) == [".json", ".npz"]
