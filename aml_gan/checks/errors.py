"""Reading the errors that student code raises: the one place that matches PyTorch's error texts.

A check that catches a student's exception reports it with :func:`exception_text` (the
type and the first line of the message, no traceback) and :func:`exception_hint` (the
fix, in the course's words). The matching of PyTorch's messages lives only here, in
:func:`error_kind`, so a new PyTorch wording is fixed in one place.
"""
from __future__ import annotations

import linecache
from typing import Optional, Tuple

__all__ = ["error_kind", "exception_text", "exception_hint", "raised_problem", "student_line", "where"]

#: error kinds :func:`error_kind` knows, with the words in the message that give each away
_KINDS = (
    ("number_for_tensor", ("max() received an invalid combination", "min() received an invalid combination",
                           "maximum(): argument 'other'", "minimum(): argument 'other'"), None),
    ("number_not_iterable", ("'float' object is not iterable", "'int' object is not iterable"), None),
    ("no_gpu", ("nvidia",), ("cuda", ("not compiled", "driver", "no cuda"))),
    ("device_mismatch", ("same device", "device type"), None),
    ("inplace", ("modified by an inplace operation",), None),
    ("backward_twice", ("backward through the graph a second time",), None),
    ("not_scalar", ("implicitly created only for scalar outputs",), None),
    ("no_grad", ("does not require grad",), None),
    ("bce_range", ("should be between 0 and 1",), None),
    ("shape", ("shapes cannot be multiplied", "size mismatch", "must match the size", "target size",
               "should contain", "expected input", "shape", "size of tensor"), None),
    ("dimension", ("dimension", "dim "), None),
    ("signature", ("positional argument", "unexpected keyword"), None),
)


def error_kind(exc: BaseException) -> Optional[str]:
    """What went wrong, from the exception's type and message; None when it is not a known case.

    Kinds: ``not_implemented``, ``module_called_with_tensors``, ``number_for_tensor``, ``number_not_iterable``, ``no_gpu``, ``device_mismatch``, ``inplace``, ``backward_twice``,
    ``not_scalar``, ``no_grad``, ``bce_range``, ``shape``, ``dimension``, ``signature``.
    """
    if isinstance(exc, NotImplementedError):
        return "not_implemented"
    if _module_built_with_tensors(exc) is not None:
        return "module_called_with_tensors"
    low = f"{type(exc).__name__} {exc}".lower()
    for kind, anywhere, together in _KINDS:
        if any(word in low for word in anywhere):
            return kind
        if together is not None and together[0] in low and any(word in low for word in together[1]):
            return kind
    return None


def _module_built_with_tensors(exc: BaseException) -> Optional[str]:
    """``nn.BCELoss(d, t)``: a torch module's constructor given tensors; returns the class's name."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        module = frame.f_locals.get("self") if frame.f_code.co_name == "__init__" else None
        if module is not None and type(module).__module__.startswith("torch.nn.modules"):
            args = [v for k, v in frame.f_locals.items() if k != "self"]
            if any(type(v).__name__ in ("Tensor", "Parameter") for v in args):
                return type(module).__name__
        tb = tb.tb_next
    return None


def student_line(exc: BaseException) -> Optional[Tuple[int, str]]:
    """``(line number, source)`` of the last line of the student's own code the error went through,
    or None (the traceback never left the package and its libraries, or the source is unknown)."""
    from ..reference import _trusted

    found = None
    tb = exc.__traceback__
    while tb is not None:
        if not _trusted(tb.tb_frame):
            text = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
            if text:
                found = (tb.tb_lineno, text)
        tb = tb.tb_next
    return found


def where(exc: BaseException) -> str:
    """" It came from line 3 of your cell: `x = ...`." when the student's line is known, else ""."""
    line = student_line(exc)
    if line is None:
        return ""
    number, text = line
    if len(text) > 120:
        text = text[:117] + "..."
    return f" It came from line {number} of your cell: `{text}`."


def exception_text(exc: BaseException, limit: int = 200) -> str:
    """``TypeName: first line of the message`` (no stack trace), shortened, no final full stop."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(msg) > limit:
        msg = msg[: limit - 3] + "..."
    text = f"{type(exc).__name__}: {msg}" if msg else type(exc).__name__
    return text.rstrip(". ") if not text.endswith("...") else text


_HINTS = {
    "not_implemented": "You have not written this yet: replace the `raise NotImplementedError()` line with your code.",
    "no_gpu": (
        "Your code asks for a GPU, but this machine has none. Never call `.cuda()` or write "
        "`device='cuda'`: create new tensors on the device of the data, e.g. "
        "`torch.randn(n, latent_dim, device=real_batch.device)`."
    ),
    "device_mismatch": (
        "Tensors on different devices met. Create the noise on the device of the data: "
        "`torch.randn(n, latent_dim, device=real_batch.device)`, and never hard-code 'cuda' or 'cpu'."
    ),
    "backward_twice": (
        "The same graph was back-propagated twice. Give each loss its own forward pass "
        "(a fresh `disc(...)` call), and detach the fakes for the discriminator's loss."
    ),
    "not_scalar": "Your loss is not a single number: average it over the batch with `.mean()` before `.backward()`.",
    "no_grad": (
        "The loss has no gradient history. Do not call `.item()`, `.detach()` or `torch.no_grad()` "
        "on the way from the network's output to the loss."
    ),
    "bce_range": (
        "`BCELoss` needs probabilities in [0, 1]. If your network outputs raw scores (logits), use "
        "`BCEWithLogitsLoss` on them (it applies the sigmoid itself), or end the network with a sigmoid."
    ),
    "shape": (
        "A shape does not fit. Draw the noise as `(batch, latent_dim)` with `batch = real_batch.shape[0]` "
        "(or `(batch, latent_dim, 1, 1)` for a convolutional generator), and give `BCELoss` targets "
        "of the same shape as the scores."
    ),
    "signature": "Check the function's signature: it must accept exactly the arguments the exercise lists, in that order.",
    "number_not_iterable": (
        "A number went where a sequence is needed: `a_list += number` (or `.extend(number)`, or "
        "`for x in number`) walks through the number's items, and a number has none. To add one number "
        "to a list, use `a_list.append(number)`."
    ),
    "number_for_tensor": (
        "`torch.max` and `torch.min` compare two tensors, not a tensor and a number. To keep a score away "
        "from 0 before a log, clamp it: `p.clamp(min=1e-7)` (or `torch.clamp(p, min=1e-7)`)."
    ),
}

_INPLACE = {
    "generator": (
        "The generator's weights changed (`gen_optim.step()`) after the fakes were painted, and a later "
        "`backward()` went through those old fakes, for example a second generator update on the same "
        "`fake`. Paint the fakes again after each generator step: `fake = gen(noise)` inside the loop."
    ),
    "discriminator": (
        "An optimizer's `step()` changed weights that a later `backward()` still needed: for example "
        "`disc(fake)` computed before `disc_optim.step()` and back-propagated after it. Compute the "
        "scores again after each update, and step each optimizer right after its own loss's backward."
    ),
}

#: for an error of no known kind: the student's line is shown (``where``) and "fix that line"
#: follows; where no line is known, the hint says how to see it first
_GENERIC = "Fix that line and run the check again."
_SEE_THE_LINE = "Call your code yourself on a small input: the full error shows the line it comes from."


def exception_hint(exc: BaseException, *, changed: Optional[str] = None, generic: str = _GENERIC) -> str:
    """A hint in the course's words for the errors students meet most often.

    ``changed``: for an in-place error, the network whose weights the last optimizer step
    changed (``"generator"`` or ``"discriminator"``), which decides the advice. ``generic``:
    the text for errors with no known kind.
    """
    kind = error_kind(exc)
    if kind == "inplace":
        return _INPLACE.get(changed or "discriminator", _INPLACE["discriminator"])
    if kind == "module_called_with_tensors":
        name = _module_built_with_tensors(exc)
        return where(exc).lstrip() + (" " if where(exc) else "") + (f"`nn.{name}(...)` builds the loss (or layer); it does not compute it, so the tensors went into "
                f"its settings. Build it, then call it on the tensors: `nn.{name}()(scores, targets)`, or use the "
                "function form, e.g. `F.binary_cross_entropy(scores, targets)`.")
    line = where(exc).lstrip()
    if kind in _HINTS:
        return (line + " " if line else "") + _HINTS[kind]
    return f"{line} {generic}" if line else f"{_SEE_THE_LINE} {generic}"


def raised_problem(exc: BaseException, who: str, *, fn=None, context: str = "", generic: str = _GENERIC,
                   hint: Optional[str] = None) -> tuple:
    """``(code, message)`` for student code that raised.

    Codes: ``not_implemented`` for the untouched stub; ``signature`` when calling ``fn`` itself
    failed because its parameters differ from the exercise's; ``raised`` for any other error.
    ``who``: "Your discriminator_loss"; ``context``: where it happened (" on a batch of shape (8, 5)");
    ``hint``: the check's own advice, which replaces :func:`exception_hint`'s.
    """
    kind = error_kind(exc)
    if kind == "not_implemented":
        return "not_implemented", (
            f"{who} still raises NotImplementedError: replace the `raise NotImplementedError()` line with your code."
        )
    name = getattr(fn, "__name__", None)
    if kind == "signature" and name and str(exc).startswith(f"{name}()"):
        return "signature", (
            f"Calling {who[0].lower() + who[1:]} failed ({exception_text(exc)}). Keep the signature the exercise "
            "gives, with every parameter it lists (keyword arguments included)."
        )
    return "raised", f"{who} raised {exception_text(exc)}{context}. {hint or exception_hint(exc, generic=generic)}"
