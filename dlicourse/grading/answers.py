"""The whale task's answers and pass mark: the one definition the grader, the report and the learner's
`submission.py` share.

This module imports nothing, so a submission can import it inside the sandbox at no cost.
"""

ANSWERS = ("whale", "not whale")  # label k of a crop set is ANSWERS[k]: class 0 is face, class 1 is not_face
INVALID = "invalid"  # the confusion table's column for anything that is not one of ANSWERS
PASS_ACCURACY = 0.80  # the workshop's rule: more than 80% passes


def answer_for(class_name: str) -> str:
    """The answer for a crop set's class name ("face" or "not_face")."""
    return ANSWERS[0] if class_name == "face" else ANSWERS[1]
