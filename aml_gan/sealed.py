"""Read-only modules and classes for the grading code.

A notebook's test cells run in the same Python process as the student's cells. So that a
student's cell cannot change a grade by assigning to the checks (``aml_gan.checks.check_x =
...``, ``Report.raise_for_problems = ...``), the grading modules and their report class are
made read-only once they are loaded:

- a sealed module refuses assignment and deletion, and serves the names it held when it was
  sealed from a copy taken then: writing into its namespace (``vars(module)[name] = ...``)
  does not change what ``module.name`` or ``from module import name`` gives;
- a sealed class refuses assignment, also through ``type.__setattr__`` (on CPython the class
  is flagged immutable, as built-in types are).

This guards against rebinding and patching; it is not a security boundary (code that runs in
the same process can always find a way round it), which is why the instructor's class grader
also flags submissions that reach into the grading code.
"""
from __future__ import annotations

import ctypes
import sys
import types

__all__ = ["seal_module", "ReadOnlyClass", "seal_class"]

_IMMUTABLE_TYPE = 1 << 8  # CPython's Py_TPFLAGS_IMMUTABLETYPE (3.10+)


def _refusal(what: str) -> AttributeError:
    return AttributeError(
        f"{what} is part of the course's grading code and cannot be changed from a notebook. "
        "Restart the kernel to undo any change, then run the notebook again."
    )


def _make_immutable(cls: type) -> None:
    """Flag ``cls`` immutable on CPython (``type.__setattr__`` then refuses); elsewhere do nothing."""
    if sys.implementation.name != "cpython" or sys.version_info < (3, 10):
        return
    # tp_flags is the 22nd pointer-sized field of PyTypeObject; read it back before writing to be sure
    field = ctypes.c_ulong.from_address(id(cls) + 21 * ctypes.sizeof(ctypes.c_void_p))
    if field.value == cls.__flags__:
        field.value = cls.__flags__ | _IMMUTABLE_TYPE
        ctypes.pythonapi.PyType_Modified(ctypes.py_object(cls))


def _module_class() -> type:
    sealed_names: dict = {}  # module name -> {attribute: value} when it was sealed (not reachable by name)

    class _ReadOnlyModule(types.ModuleType):
        def __getattribute__(self, name):
            held = sealed_names.get(types.ModuleType.__getattribute__(self, "__name__"))
            if held is not None and name in held:
                return held[name]
            return types.ModuleType.__getattribute__(self, name)

        def __setattr__(self, name, value):
            # The import system records each submodule on its parent package: allow exactly that.
            if isinstance(value, types.ModuleType) and value.__name__ == f"{self.__name__}.{name}":
                return super().__setattr__(name, value)
            raise _refusal(f"`{self.__name__}.{name}`")

        def __delattr__(self, name):
            raise _refusal(f"`{self.__name__}.{name}`")

    def seal(module: types.ModuleType) -> None:
        sealed_names[module.__name__] = {k: v for k, v in vars(module).items()
                                         if not (k.startswith("__") and k.endswith("__"))}
        module.__class__ = _ReadOnlyModule

    _make_immutable(_ReadOnlyModule)
    return seal


_seal = _module_class()


def seal_module(name: str) -> None:
    """Make the loaded module ``name`` refuse attribute assignment and deletion, and serve the
    names it holds now whatever is later written into its namespace."""
    _seal(sys.modules[name])


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


_make_immutable(ReadOnlyClass)


def seal_class(cls: type) -> type:
    """Freeze a class built with ``metaclass=ReadOnlyClass``; returns it."""
    type.__setattr__(cls, "_sealed_", True)
    _make_immutable(cls)
    return cls
