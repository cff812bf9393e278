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
    assert sorted(p.suffix for p in (data_dir / "demo").iterdir() if p.suffix != ".lock") == [".json", ".npz"]


def test_two_processes_asking_at_once_make_the_entry_once(data_dir, tmp_path):
    """Two kernels (or test workers) that need the same data wait for each other instead of racing."""
    import subprocess
    import sys

    script = tmp_path / "ask.py"
    script.write_text(
        "import sys, time\n"
        "from dlicourse.datasets import _cache\n"
        "def make():\n"
        "    open(sys.argv[1], 'a').write('made\\n')\n"
        "    time.sleep(1)\n"
        "    return {'a': __import__('numpy').arange(3)}\n"
        "print(_cache.cached('race', 1, {}, make)['a'].tolist())\n")
    log = tmp_path / "makes.txt"
    procs = [subprocess.Popen([sys.executable, str(script), str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [o for o, _ in outs] == ["[0, 1, 2]\n"] * 2
    assert all("checksum" not in err for _, err in outs)
    assert log.read_text() == "made\n"
