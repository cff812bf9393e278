import subprocess
import sys
import textwrap

import numpy as np
import pytest

from dlicourse import FIXME
from dlicourse.placeholders import FixmeError, is_placeholder


@pytest.mark.parametrize("use", [
    lambda: float(FIXME), lambda: FIXME + 1, lambda: 255 - FIXME, lambda: FIXME.shape, lambda: FIXME(3),
    lambda: list(FIXME), lambda: np.asarray(FIXME, dtype=float), lambda: bool(FIXME), lambda: FIXME[0],
])
def test_using_a_placeholder_says_what_to_do(use):
    with pytest.raises(FixmeError, match="^Not attempted yet: test_placeholders.py, line 1[34], in <lambda>"
                                         r"\(\) uses a FIXME. Replace it with your code"):
        use()


def test_placeholder_is_recognised_and_named():
    assert is_placeholder(FIXME)
    assert not is_placeholder(0) and not is_placeholder(None)
    assert repr(FIXME) == "FIXME"


def test_ipython_shows_the_message_not_a_traceback_and_a_fixme_as_its_name():
    with pytest.raises(FixmeError) as raised:
        float(FIXME)
    assert raised.value._render_traceback_() == [str(raised.value)]
    assert "dlicourse" not in str(raised.value) and "test_placeholders.py, line" in str(raised.value)
    for hook in ("_repr_html_", "_ipython_display_", "_repr_mimebundle_"):  # IPython shows FIXME as its repr
        assert not hasattr(FIXME, hook)


SUBMISSION = '''
from dlicourse import FIXME

model = FIXME


def predict(image_path):
    image = FIXME
    scores = FIXME
    return scores.argmax()


def ready(image_path):
    image = image_path
    return FIXME.argmax()
'''


@pytest.mark.parametrize("filled, says", [
    ({}, "submission.py, line 4: `model` is still FIXME. Replace it with your code and save the file."),
    ({"model = FIXME": "model = 1"},
     "submission.py, line 8, in predict(): `image` is still FIXME. Replace it with your code and save the file."),
    ({"model = FIXME": "model = 1", "image = FIXME": "image = 2"},
     "submission.py, line 9, in predict(): `scores` is still FIXME."),
])
def test_a_file_names_its_own_line_function_and_name_still_to_do(tmp_path, filled, says):
    """A learner's file, e.g. submission.py: the error names the first `name = FIXME` line still to do."""
    source = SUBMISSION
    for old, new in filled.items():
        source = source.replace(old, new)
    (tmp_path / "submission.py").write_text(source)
    run = subprocess.run([sys.executable, "-c", textwrap.dedent("""
        import submission
        try:
            submission.predict("x.png")
        except Exception as err:
            print(type(err).__name__, err)
        """)], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert run.stdout.startswith("FixmeError Not attempted yet: " + says), run.stdout


def test_a_fixme_used_inline_names_the_line_that_uses_it(tmp_path):
    (tmp_path / "submission.py").write_text(SUBMISSION.replace("model = FIXME", "model = 1"))
    run = subprocess.run([sys.executable, "-c", "import submission\ntry: submission.ready(1)\n"
                          "except Exception as err: print(err)"], cwd=tmp_path, capture_output=True, text=True)
    assert run.stdout == "Not attempted yet: submission.py, line 15, in ready() uses a FIXME. Replace it with your " \
                         "code and save the file.\n"


def test_in_a_kernel_each_fixme_error_is_one_line_that_points_at_the_cell():
    """As Jupyter shows them: IPython renders the error as its message alone (no traceback into the library),
    an exercise's check stops the cell (so Run All stops there), and the cells below it do not run."""
    import nbclient
    import nbformat

    cells = ["from dlicourse import FIXME, check\nimport numpy as np",
             "kernel = FIXME\ncheck.edge_kernel(kernel)",
             "np.asarray(kernel)",
             "def f(x):\n    y = FIXME\n    return y + x\n\n\nf(1)",
             "kernel"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True).execute()
    shown = [[output.get("traceback") or output.get("data", {}).get("text/plain") for output in cell.outputs]
             for cell in nb.cells]
    assert shown[1] == [["Not attempted yet: “Exercise: a kernel that finds vertical edges”. `kernel` is still "
                         "FIXME: replace it with your code and run this cell. Stuck? `check.edge_kernel.hint()` "
                         "gives a hint."]]
    assert shown[2] == [["Not attempted yet: `kernel` is still FIXME (cell In[3], line 1): do the exercise that "
                         "sets it first, run its cell, then this one."]]
    assert shown[3] == [["Not attempted yet: `y` is still FIXME (cell In[4], line 2, in f()): replace it with your "
                         "code."]]
    assert shown[4] == ["FIXME"]  # shown as its name, not an error from IPython's display hooks
