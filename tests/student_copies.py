"""The package's answers, seen by the checks as a student's own correct code.

The checks refuse the course's own answers (``aml_gan.reference``): handed in directly,
or called from a student's code. The catalogs still build buggy variants on top of a
correct answer, and some tests confirm that the package's answer passes its own check.
``as_student(fn)`` wraps a twin in a plain function that runs it with no refusal active
(test-only; what a student who copied the source text would have).
"""
from __future__ import annotations

import contextlib
import inspect
import types
from typing import Iterator

from aml_gan import reference


@contextlib.contextmanager
def _guard_off() -> Iterator[None]:
    """No refusal is active inside (test-only): the twin runs as a copy of its source text would."""
    saved = list(reference._active)
    reference._active.clear()
    try:
        yield
    finally:
        reference._active[:] = saved


def as_student(fn):
    """A plain function that calls ``fn``; the checks see student code, the guard lets it run."""

    def as_student(*args, **kwargs):
        with _guard_off():
            return fn(*args, **kwargs)

    as_student.__name__ = getattr(fn, "__name__", "as_student")
    return as_student


def student_module(module) -> types.SimpleNamespace:
    """Every public function of ``module`` wrapped by ``as_student`` (classes are left out)."""
    names = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
    return types.SimpleNamespace(**{
        n: as_student(getattr(module, n)) for n in names
        if callable(getattr(module, n)) and not inspect.isclass(getattr(module, n))
    })
