"""The course's reference answers, and the guard that keeps them out of graded work.

Most exercises have a twin in this package: notebooks fall back on it when a student's
version is not ready, and later notebooks build on it. A twin is marked where it is
defined::

    @reference("train_step")
    def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim): ...

While a grading check runs a student's code it holds ``refusing({"train_step"})``: then a
twin of that exercise called from code outside this package (the student's) raises
:class:`ReferenceAnswerUsed`, and the call is remembered even if the student's code
catches the exception, so the check can say "you used the course's own
``aml_gan.training.train_step``: write your own". Calls from inside the package are
not refused: one twin may build on another, and a check may run a twin as its baseline.
``reference_of(obj)`` names the twin that ``obj`` is (or wraps, or subclasses) before
anything runs. Outside a check every twin works as usual.

This stops a student from handing in the package's answer, by name or through a
wrapper. It cannot stop a student from copying the package's source text.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import sys
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, List, Optional, Set

__all__ = ["ReferenceAnswerUsed", "reference", "refusing", "reference_of"]

_MARK = "__aml_gan_reference__"


class ReferenceAnswerUsed(RuntimeError):
    """Raised when a student's code calls the course's answer to the exercise being graded."""


@dataclass
class Refusal:
    """One active ``refusing`` block: the exercises it guards and the twins called inside it."""

    exercises: Set[str]
    used: List[str] = field(default_factory=list)


_active: List[Refusal] = []


def _called_from_package(depth: int) -> bool:
    caller = sys._getframe(depth + 1).f_globals.get("__name__", "")
    return caller == __package__ or caller.startswith(__package__ + ".")


def _refuse(exercise: str, name: str) -> None:
    """Raise when a refusal for ``exercise`` is active and the twin's caller is not package code."""
    hit = [r for r in _active if exercise in r.exercises]
    if not hit or _called_from_package(2):  # 2: past _refuse and the twin's own wrapper
        return
    for r in hit:
        if name not in r.used:
            r.used.append(name)
    raise ReferenceAnswerUsed(
        f"`{name}` is the course's own answer to this exercise, so it does not run while your work is "
        "checked: write your own version."
    )


def reference(exercise: str) -> Callable:
    """Mark a function or class as the course's answer to ``exercise``."""

    def mark(obj):
        name = f"{obj.__module__}.{obj.__qualname__}"
        if inspect.isclass(obj):
            original_init = obj.__init__

            def __init__(self, *args, **kwargs):
                _refuse(exercise, name)
                original_init(self, *args, **kwargs)

            functools.update_wrapper(__init__, original_init, updated=())
            vars(__init__).pop("__wrapped__", None)
            __init__.__signature__ = inspect.signature(original_init)
            obj.__init__ = __init__
            setattr(obj, _MARK, (exercise, name))
            return obj

        def guarded(*args, **kwargs):
            _refuse(exercise, name)
            return obj(*args, **kwargs)

        functools.update_wrapper(guarded, obj, updated=())
        vars(guarded).pop("__wrapped__", None)  # no unguarded way in through the wrapper
        guarded.__signature__ = inspect.signature(obj)  # help() and tab completion show the real arguments
        setattr(guarded, _MARK, (exercise, name))
        return guarded

    return mark


@contextlib.contextmanager
def refusing(exercises: Iterable[str]) -> Iterator[Refusal]:
    """While inside, twins of ``exercises`` raise :class:`ReferenceAnswerUsed`; yields the record."""
    record = Refusal(set(exercises))
    _active.append(record)
    try:
        yield record
    finally:
        _active.remove(record)


def reference_of(obj) -> Optional[str]:
    """The dotted name of the course answer that ``obj`` is, wraps or subclasses; else None.

    Sees through ``functools.partial``, bound methods, ``functools.wraps`` chains,
    instances and subclasses of a marked class.
    """
    seen = set()
    while obj is not None and id(obj) not in seen:
        seen.add(id(obj))
        if inspect.isclass(obj):
            for cls in inspect.getmro(obj):
                mark = vars(cls).get(_MARK)
                if mark:
                    return mark[1]
            return None
        mark = getattr(obj, _MARK, None) if not inspect.ismodule(obj) else None
        if isinstance(mark, tuple):
            return mark[1]
        if isinstance(obj, functools.partial):
            obj = obj.func
        elif inspect.ismethod(obj):
            obj = obj.__func__
        elif hasattr(obj, "__wrapped__"):
            obj = obj.__wrapped__
        elif not inspect.isroutine(obj) and not inspect.ismodule(obj):
            obj = type(obj)  # an instance: is its class a twin?
        else:
            return None
    return None
