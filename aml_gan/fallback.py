"""One rule for every notebook: use the student's version when its check passes, else the course's.

A cell that trains or plots with a student's function should still run when that
exercise is unfinished or wrong, so one stuck exercise does not block the rest of the
notebook. The rule is the same everywhere: run the exercise's check; if it passes use
the student's version, otherwise use the package's and say so, with the reason::

    d_loss_fn = yours_or_reference(discriminator_loss, reference.discriminator_loss, check_discriminator_loss)
    # -> "Using your discriminator_loss: it passes check_discriminator_loss."
    # or "Using the course's aml_gan.losses.discriminator_loss for now: your discriminator_loss does
    #     not pass check_discriminator_loss yet (wrong_discriminator_loss). Fix it above and run this cell again."
"""
from __future__ import annotations

from typing import Any, Callable

from .checks.report import Report

__all__ = ["yours_or_reference"]


def _name(obj: Any) -> str:
    return getattr(obj, "__name__", None) or type(obj).__name__


def yours_or_reference(yours: Any, reference: Any, check: Callable[..., Report], *args, **kwargs) -> Any:
    """``yours`` if ``check(yours, *args, **kwargs)`` passes, else ``reference``; prints which and why.

    ``check`` is one of ``aml_gan.checks`` (it never raises on a student's bug).
    """
    report = check(yours, *args, **kwargs)
    check_name = getattr(check, "__name__", "its check")
    if report.passed:
        print(f"Using your {_name(yours)}: it passes {check_name}.")
        return yours
    codes = ", ".join(report.codes)
    where = f"{getattr(reference, '__module__', 'aml_gan')}.{_name(reference)}"
    print(
        f"Using the course's {where} for now: your {_name(yours)} does not pass {check_name} yet ({codes}). "
        "Fix it above and run this cell again."
    )
    return reference
