"""Reading the errors that student code raises: the one place that matches PyTorch's error texts.

A check that catches a student's exception reports it with :func:`exception_text` (the
type and the first line of the message, no traceback) and :func:`exception_hint` (the
fix, in the course's words). The matching of PyTorch's messages lives only here, in
:func:`error_kind`, so a new PyTorch wording is fixed in one place.
"""
from __future__ import annotations

from typing import Optional

__all__ = ["error_kind", "exception_text", "exception_hint", "raised_problem"]

#: error kinds :func:`error_kind` knows, with the words in the message that give each away
_KINDS = (
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

    Kinds: ``not_implemented``, ``no_gpu``, ``device_mismatch``, ``inplace``, ``backward_twice``,
    ``not_scalar``, ``no_grad``, ``bce_range``, ``shape``, ``dimension``, ``signature``.
    """
    if isinstance(exc, NotImplementedError):
        return "not_implemented"
    low = f"{type(exc).__name__} {exc}".lower()
    for kind, anywhere, together in _KINDS:
        if any(word in low for word in anywhere):
            return kind
        if together is not None and together[0] in low and any(word in low for word in together[1]):
            return kind
    return None


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
        "`BCELoss` needs probabilities in [0, 1]. If your discriminator outputs raw scores, use "
        "`BCEWithLogitsLoss` (or end the discriminator with a sigmoid)."
    ),
    "shape": (
        "A shape does not fit. Draw the noise as `(batch, latent_dim)` with `batch = real_batch.shape[0]` "
        "(or `(batch, latent_dim, 1, 1)` for a convolutional generator), and give `BCELoss` targets "
        "of the same shape as the scores."
    ),
    "signature": "Check the function's signature: it must accept exactly the arguments the exercise lists, in that order.",
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

_GENERIC = "Read the error above, fix that line, and run the check again."


def exception_hint(exc: BaseException, *, changed: Optional[str] = None, generic: str = _GENERIC) -> str:
    """A hint in the course's words for the errors students meet most often.

    ``changed``: for an in-place error, the network whose weights the last optimizer step
    changed (``"generator"`` or ``"discriminator"``), which decides the advice. ``generic``:
    the text for errors with no known kind.
    """
    kind = error_kind(exc)
    if kind == "inplace":
        return _INPLACE.get(changed or "discriminator", _INPLACE["discriminator"])
    return _HINTS.get(kind, generic)


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
