"""The FIXME placeholder that lab notebooks hold where a learner writes code.

Using it by mistake must say so plainly, not fail deep inside NumPy or Keras with an unrelated message,
and must point at the learner's own code, never at this library: the message names the file (or the
notebook cell), the function, the line and the name still to fill in. In IPython (Jupyter) the error shows
as that one message instead of a traceback (`_render_traceback_`, IPython's own hook for it); as any error
does, it stops *Run All* there.
"""

from __future__ import annotations

import linecache
import os
import re
import site
import sys
import sysconfig
from types import FrameType
from typing import Any, NoReturn

NOT_ATTEMPTED = "Not attempted yet"


class FixmeError(NotImplementedError):
    """Raised when a FIXME placeholder is used before it is filled in."""

    def _render_traceback_(self) -> list[str]:
        """What IPython shows instead of a traceback: the message, which already says where."""
        return [str(self)]


def _library_folders() -> tuple[str, ...]:
    """Where code that is not the learner's lives: this package, the standard library, installed packages."""
    paths = sysconfig.get_paths()
    folders = {os.path.dirname(os.path.abspath(__file__)), *(paths.get(k) for k in ("stdlib", "platstdlib",
                                                                                   "purelib", "platlib"))}
    folders |= set(getattr(site, "getsitepackages", list)()) | {getattr(site, "USER_SITE", None)}
    return tuple(os.path.join(os.path.realpath(f), "") for f in folders if f)


LIBRARY = _library_folders()


def _is_library(filename: str) -> bool:
    return filename.startswith("<") or os.path.realpath(filename).startswith(LIBRARY)


def learner_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame, from `frame` outwards, that runs the learner's code (a cell, submission.py)."""
    while frame is not None and _is_library(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def _cell_label(filename: str) -> str | None:
    """"cell In[7]" for the code of an IPython cell, else None."""
    shell = getattr(sys.modules.get("IPython"), "get_ipython", lambda: None)()
    compiler = getattr(shell, "compile", None)
    named = compiler.format_code_name(filename) if hasattr(compiler, "format_code_name") else None
    return f"{named[0].lower()} {named[1]}" if named else None


def _still_fixme(frame: FrameType) -> list[tuple[int, str, bool]]:
    """(line, name, local) of each `name = FIXME` line of the frame's source whose name is FIXME still:
    the function's own lines for its local names, the module's top level for its global ones."""
    lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
    code = frame.f_code
    own = {line for *_, line in code.co_lines() if line is not None} | {code.co_firstlineno}
    found = []
    for number, text in enumerate(lines, start=1):
        match = re.match(r"(\s*)([A-Za-z_]\w*)\s*=\s*FIXME\b", text)
        if not match:
            continue
        name, indented = match[2], bool(match[1])
        local = code.co_name != "<module>" and number in own and indented
        value = frame.f_locals.get(name) if local else frame.f_globals.get(name)
        if value is FIXME and (local or not indented):
            found.append((number, name, local))
    return found


def _names_on(frame: FrameType) -> list[str]:
    """The names on the frame's current line whose value is the placeholder."""
    text = linecache.getline(frame.f_code.co_filename, frame.f_lineno, frame.f_globals)
    names = dict.fromkeys(re.findall(r"(?<![\w.])([A-Za-z_]\w*)", text))
    scope = {**frame.f_globals, **frame.f_locals}
    return [name for name in names if scope.get(name) is FIXME]


def where(frame: FrameType | None) -> str:
    """Which of the learner's FIXMEs is in the way, and where, as one message."""
    frame = learner_frame(frame)
    if frame is None:
        return f"{NOT_ATTEMPTED}: a FIXME placeholder is still in use; replace FIXME with your code."
    filename, function = frame.f_code.co_filename, frame.f_code.co_name
    cell = _cell_label(filename)
    in_function = "" if function == "<module>" else f", in {function}()"
    if cell is None:  # a file, such as submission.py
        pending = _still_fixme(frame)
        place = os.path.basename(filename)
        if pending:
            number, name, local = pending[0]
            inside = in_function if local else ""
            return (f"{NOT_ATTEMPTED}: {place}, line {number}{inside}: `{name}` is still FIXME. Replace it with "
                    "your code and save the file.")
        return (f"{NOT_ATTEMPTED}: {place}, line {frame.f_lineno}{in_function} uses a FIXME. Replace it with your "
                "code and save the file.")
    here = f"{cell}, line {frame.f_lineno}{in_function}"
    pending = [(number, name) for number, name, local in _still_fixme(frame) if local]
    if pending:
        number, name = pending[0]
        return (f"{NOT_ATTEMPTED}: `{name}` is still FIXME ({cell}, line {number}{in_function}): replace it with "
                "your code.")
    if names := _names_on(frame):
        return (f"{NOT_ATTEMPTED}: `{names[0]}` is still FIXME ({here}): do the exercise that sets it first, "
                "run its cell, then this one.")
    return f"{NOT_ATTEMPTED}: a FIXME is still in use ({here}): finish the exercise above first."


class _Fixme:
    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise FixmeError(where(sys._getframe(1)))

    def __getattr__(self, name: str) -> Any:
        if name.startswith(("_repr_", "_ipython_")):  # IPython asks how to show a value: as its repr
            raise AttributeError(name)
        self._refuse()

    __call__ = __getitem__ = __iter__ = __len__ = _refuse
    __float__ = __int__ = __index__ = __bool__ = __array__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __neg__ = __lt__ = __gt__ = _refuse

    def __repr__(self) -> str:
        return "FIXME"


FIXME = _Fixme()


def is_placeholder(value: object) -> bool:
    """True when a learner has not replaced the placeholder yet (checked before any other use)."""
    return value is FIXME
