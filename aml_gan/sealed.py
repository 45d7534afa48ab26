"""Read-only modules and classes for the grading code.

A notebook's test cells run in the same Python process as the student's cells. So that a
student's cell cannot change a grade by assigning to the checks (``aml_gan.checks.check_x =
...``, ``Report.raise_for_problems = ...``), the grading modules and their report class are
made read-only once they are loaded. This guards against rebinding and patching by
assignment; it is not a security boundary (code that runs in the same process can always
find a way round it), which is why the instructor's class grader also flags submissions
that reach into the grading code.
"""
from __future__ import annotations

import sys
import types

__all__ = ["seal_module", "ReadOnlyClass", "seal_class"]


def _refusal(what: str) -> AttributeError:
    return AttributeError(
        f"{what} is part of the course's grading code and cannot be changed from a notebook. "
        "Restart the kernel to undo any change, then run the notebook again."
    )


class _ReadOnlyModule(types.ModuleType):
    def __setattr__(self, name, value):
        # The import system records each submodule on its parent package: allow exactly that.
        if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
            return super().__setattr__(name, value)
        raise _refusal(f"`{self.__name__}.{name}`")

    def __delattr__(self, name):
        raise _refusal(f"`{self.__name__}.{name}`")


def seal_module(name: str) -> None:
    """Make the loaded module ``name`` refuse attribute assignment and deletion."""
    sys.modules[name].__class__ = _ReadOnlyModule


class ReadOnlyClass(type):
    """Metaclass: the class can be built (decorators included), then ``seal_class`` freezes it."""

    def __setattr__(cls, name, value):
        if cls.__dict__.get("_sealed_", False):
            raise _refusal(f"`{cls.__qualname__}.{name}`")
        super().__setattr__(name, value)

    def __delattr__(cls, name):
        if cls.__dict__.get("_sealed_", False):
            raise _refusal(f"`{cls.__qualname__}.{name}`")
        super().__delattr__(name)


def seal_class(cls: type) -> type:
    """Freeze a class built with ``metaclass=ReadOnlyClass``; returns it."""
    type.__setattr__(cls, "_sealed_", True)
    return cls
