"""The two answers have one definition, which the learner's submission.py imports rather than retypes."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import ROOT

from dlicourse.grading import answers


def test_submission_py_imports_the_graders_answers_and_retypes_none():
    for folder in ("solutions", "labs"):
        tree = ast.parse((ROOT / folder / "submission.py").read_text())
        imported = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and node.module == "dlicourse.grading.answers" for a in node.names]
        literals = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                    and node.value in answers.ANSWERS]
        assert imported == ["ANSWERS"] and literals == [], folder


def test_the_answers_module_is_cheap_to_import_inside_a_sandbox():
    code = "import sys, dlicourse.grading.answers; print(sorted({'numpy', 'psutil', 'PIL'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert answers.answer_for("face") == "whale" and answers.answer_for("not_face") == "not whale"
