"""The FIXME placeholder that lab notebooks hold where a learner writes code.

Using it by mistake must say so plainly, not fail deep inside NumPy or Keras with an unrelated message.
"""

from __future__ import annotations

from typing import Any, NoReturn


class FixmeError(NotImplementedError):
    """Raised when a FIXME placeholder is used before it is filled in."""


class _Fixme:
    _MESSAGE = "This is a FIXME placeholder: replace FIXME with your code, then run the cell again."

    def _refuse(self, *_: Any, **__: Any) -> NoReturn:
        raise FixmeError(self._MESSAGE)

    __call__ = __getattr__ = __getitem__ = __iter__ = __len__ = _refuse
    __float__ = __int__ = __index__ = __bool__ = __array__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __pow__ = __neg__ = __lt__ = __gt__ = _refuse

    def __repr__(self) -> str:
        return "FIXME"


FIXME = _Fixme()


def is_placeholder(value: object) -> bool:
    """True when a learner has not replaced the placeholder yet (checked before any other use)."""
    return value is FIXME
