"""The course's reference answers, and the guard that keeps them out of graded work.

Most exercises have a twin in this package: notebooks fall back on it when a student's
version is not ready, and later notebooks build on it. A twin is marked where it is
defined::

    @reference("train_step")
    def train_step(gen, disc, gen_optim, disc_optim, real_batch, latent_dim): ...

While a grading check runs a student's code it holds ``refusing({"train_step"})``: then a
twin of that exercise raises :class:`ReferenceAnswerUsed` when student code stands anywhere
between the check and the call, and the call is remembered even if the student's code
catches the exception, so the check can say "you used the course's own
``aml_gan.training.train_step``: write your own". "Student code" is any frame that is not
this package's or an installed library's code running in its own module's namespace from
its own file: callers are told apart by code object, file and namespace, never by
``__name__`` (code exec'd under a package module's name is the student's). Calls from the
package are not refused: one twin may build on another, and a check may run a twin as its
baseline. Every part a twin class builds carries a forward hook and a mark, so a copy of it
(``deepcopy``) run from student code under a check refuses too, and ``reference_of`` finds
it. A twin's wrapper keeps only the pieces it rebuilds the function from at each call, not
a callable original that could be taken out of its closure. ``reference_of(obj)`` names the
twin that ``obj`` is (or wraps, subclasses, borrows a method of, or holds a part of) before
anything runs. Outside a check every twin works as usual.

This stops a student from handing in the package's answer, by name or through a
wrapper. It cannot stop a student from copying the package's source text, or from
rebuilding a function out of those pieces (the tamper scan flags ``__closure__``).
"""
from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Set

__all__ = ["ReferenceAnswerUsed", "reference", "refusing", "reference_of"]

_MARK = "__aml_gan_reference__"
_MODULE_MARK = "_aml_gan_reference_module_"


class ReferenceAnswerUsed(RuntimeError):
    """Raised when a student's code calls the course's answer to the exercise being graded."""


@dataclass
class Refusal:
    """One active ``refusing`` block: the exercises it guards and the twins called inside it."""

    exercises: Set[str]
    used: List[str] = field(default_factory=list)
    frame: Any = None  # the frame that entered ``refusing`` (the check)


_active: List[Refusal] = []


def _library_dirs() -> List[str]:
    """Where trusted code lives: this package, and the installed libraries and standard library."""
    import sysconfig

    dirs = {os.path.dirname(os.path.abspath(__file__))}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            dirs.add(path)
    return sorted({os.path.realpath(d) + os.sep for d in dirs})


_LIBRARY_DIRS = _library_dirs()
_PACKAGE_DIR = os.path.realpath(os.path.dirname(os.path.abspath(__file__))) + os.sep
_where: Dict[str, str] = {}  # file -> "package", "library" or "" (cached: frames are walked often)


def _kind_of_file(path: str) -> str:
    kind = _where.get(path)
    if kind is None:
        real = os.path.realpath(path)
        kind = ("package" if real.startswith(_PACKAGE_DIR)
                else "library" if any(real.startswith(d) for d in _LIBRARY_DIRS) else "")
        _where[path] = kind
    return kind


def _trusted(frame, package_only: bool = False) -> bool:
    """Is ``frame`` running the code of this package or of an installed library, from that
    module's own file and in that module's own namespace?

    Decided by the frame's globals and the code object's file, never by ``__name__``: code
    exec'd under a package module's name or in a package module's namespace, and code in the
    student's own modules (a notebook, a file next to it), is not trusted.
    """
    name = frame.f_globals.get("__name__")
    module = sys.modules.get(name) if isinstance(name, str) else None
    if module is None or name == "__main__" or getattr(module, "__dict__", None) is not frame.f_globals:
        return False
    path = getattr(module, "__file__", None)
    if not path or frame.f_code.co_filename != path and os.path.abspath(frame.f_code.co_filename) != os.path.abspath(path):
        return False
    kind = _kind_of_file(path)
    return kind == "package" if package_only else bool(kind)


def _student_on_the_way(record: "Refusal", frame, package_caller: bool) -> bool:
    """Does code other than the package's and its libraries' stand between the check that opened
    ``record`` and ``frame`` (the twin's caller)? ``package_caller``: the caller itself must be ours."""
    if package_caller and not _trusted(frame, package_only=True):
        return True
    while frame is not None and frame is not record.frame:
        if not _trusted(frame):
            return True
        frame = frame.f_back
    return False


def _refuse(exercise: str, name: str, depth: int = 2, package_caller: bool = True) -> None:
    """Raise when a refusal for ``exercise`` is active and student code is on the way to the twin.

    ``depth``: frames from here to the twin's caller (2: past this function and the twin's wrapper).
    """
    if not _active:
        return
    hit = []
    for record in _active:
        if exercise in record.exercises and _student_on_the_way(record, sys._getframe(depth), package_caller):
            hit.append(record)
    if not hit:
        return
    for r in hit:
        if name not in r.used:
            r.used.append(name)
    raise ReferenceAnswerUsed(
        f"`{name}` is the course's own answer to this exercise, so it does not run while your work is "
        "checked: write your own version."
    )


class _ModuleGuard:
    """Forward pre-hook on every part a twin class built: a copy of it run from student code under
    a check refuses, like the twin itself (``deepcopy`` keeps hooks and attributes)."""

    def __init__(self, mark):
        self.mark = mark

    def __call__(self, module, inputs):
        # 3: past _refuse, this hook and torch's module call; torch stands between, so the caller
        # need not be the package's, only every frame up to the check trusted
        _refuse(self.mark[0], self.mark[1], depth=3, package_caller=False)


def _mark_modules(module, mark) -> None:
    """Mark every submodule a twin class built (``reference_of`` finds the mark on any copy)."""
    try:
        from torch import nn
    except ImportError:  # pragma: no cover - torch is a dependency
        return
    if not isinstance(module, nn.Module):
        return
    for sub in module.modules():
        if _MODULE_MARK not in vars(sub):
            vars(sub)[_MODULE_MARK] = mark
            sub.register_forward_pre_hook(_ModuleGuard(mark))


def _parts(fn) -> tuple:
    """What a function is rebuilt from: code, globals, name, defaults, closure, keyword defaults."""
    return fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__, fn.__kwdefaults__


def _rebuilt(parts: tuple):
    """The function again, built for one call: a twin's wrapper holds no callable unguarded original
    (taking one out of its closure gives pieces, not a function that runs without the guard)."""
    fn = types.FunctionType(*parts[:5])
    fn.__kwdefaults__ = parts[5]
    return fn


def reference(exercise: str) -> Callable:
    """Mark a function or class as the course's answer to ``exercise``."""

    def mark(obj):
        name = f"{obj.__module__}.{obj.__qualname__}"
        if inspect.isclass(obj):
            original_init = obj.__init__
            init_parts = _parts(original_init) if inspect.isfunction(original_init) else None

            def __init__(self, *args, **kwargs):
                _refuse(exercise, name)
                if init_parts is None:
                    original_init(self, *args, **kwargs)
                else:
                    _rebuilt(init_parts)(self, *args, **kwargs)
                _mark_modules(self, (exercise, name))

            functools.update_wrapper(__init__, original_init, updated=())
            vars(__init__).pop("__wrapped__", None)
            __init__.__signature__ = inspect.signature(original_init)
            obj.__init__ = __init__
            setattr(obj, _MARK, (exercise, name))
            for value in vars(obj).values():  # its methods taken out and put in another class are the answer too
                if inspect.isfunction(value) and value is not __init__:
                    setattr(value, _MARK, (exercise, name))
            if init_parts is not None:
                original_init = None  # the wrapper keeps only the parts it rebuilds the function from
            return obj

        parts = _parts(obj)

        def guarded(*args, **kwargs):
            _refuse(exercise, name)
            return _rebuilt(parts)(*args, **kwargs)

        functools.update_wrapper(guarded, obj, updated=())
        vars(guarded).pop("__wrapped__", None)  # no unguarded way in through the wrapper
        guarded.__signature__ = inspect.signature(obj)  # help() and tab completion show the real arguments
        setattr(guarded, _MARK, (exercise, name))
        return guarded

    return mark


@contextlib.contextmanager
def refusing(exercises: Iterable[str]) -> Iterator[Refusal]:
    """While inside, twins of ``exercises`` raise :class:`ReferenceAnswerUsed`; yields the record."""
    record = Refusal(set(exercises), frame=sys._getframe(2))  # 2: past contextlib's __enter__: the check
    _active.append(record)
    try:
        yield record
    finally:
        _active.remove(record)
        record.frame = None


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
                for value in list(vars(cls).values()):  # a twin's method taken out and put in a class
                    mark = getattr(value, _MARK, None) if inspect.isfunction(value) else None
                    if isinstance(mark, tuple):
                        return mark[1]
            return None
        modules = getattr(obj, "modules", None)
        if callable(modules) and not inspect.isclass(obj) and hasattr(obj, "_modules"):
            for sub in modules():  # a network holding (a copy of) a part a twin class built
                mark = vars(sub).get(_MODULE_MARK)
                if mark:
                    return mark[1]
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
