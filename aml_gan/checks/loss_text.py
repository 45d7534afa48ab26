"""What the checks say about a GAN loss: the student-facing text shared by the loss checks of
notebook 02 and the loop checker.

A loss is named by the gradient it sends to the discriminator's output (see ``_fit.py``):
a label (``T1``, ``N1``, ``T0``, ``N0``, ``mix``, ``zero``, ``other``) or another GAN's loss
(``least_squares``, ``linear``). Every message follows the discriminator's kind:
``family="prob"`` for a discriminator that ends in a sigmoid (the course's convention: the
loss takes logs of probabilities, or uses ``BCELoss``) and ``family="logit"`` for one that
outputs raw scores (the loss must then use ``BCEWithLogitsLoss``).

Course policy on soft targets (label smoothing): the course's losses use hard targets, 1 for
real samples, 0 for fakes in the discriminator's loss and 1 for the fakes in the generator's
loss. A soft target within :data:`SOFT_TARGET_MARGIN` of its hard target is accepted with a
warning (the usual advice, one-sided label smoothing, softens only the discriminator's real
target); a target further away is a wrong loss.
"""
from __future__ import annotations

from typing import Dict, Optional

__all__ = [
    "SOFT_TARGET_MARGIN",
    "soft_target_accepted",
    "generator_loss_text",
    "discriminator_loss_text",
    "sigmoid_applied_twice_text",
    "raw_scores_text",
    "non_course_loss_text",
    "label_smoothing_text",
    "other_loss_name",
]

#: how far a soft target may sit from its hard target (1 or 0) and still be accepted, with a warning
SOFT_TARGET_MARGIN = 0.3


def soft_target_accepted(target: Optional[float], hard: int) -> bool:
    """Is ``target`` an accepted soft version of the hard target ``hard`` (1 or 0)?"""
    return target is not None and abs(target - hard) <= SOFT_TARGET_MARGIN


def _g_formula(family: str) -> str:
    if family == "logit":
        return ("`BCEWithLogitsLoss` with target 1 on the fakes' raw scores (the same as "
                "`-F.logsigmoid(disc(fake)).mean()`)")
    return "the mean of `-torch.log(disc(fake))` (or `BCELoss` with target 1 on the fakes)"


def _d_formula(family: str) -> str:
    if family == "logit":
        return ("`BCEWithLogitsLoss` on the raw scores, with target 1 for real samples and 0 for fakes "
                "(your discriminator outputs raw scores, so the loss applies the sigmoid)")
    return ("L_D = -log D(x) - log(1 - D(G(z))) (binary cross-entropy with target 1 for real samples "
            "and 0 for fakes)")


def other_loss_name(kind: Optional[str]) -> str:
    """A short name for another GAN's loss, as ``_fit.Fit.other`` gives it."""
    return {
        "least_squares": "the least-squares loss (LSGAN: `MSELoss` on the scores)",
        "linear": "a loss linear in the scores (no log: the Wasserstein critic's loss, or a hinge)",
    }.get(kind or "", "another loss")


def generator_loss_text(label: str, family: str = "prob", *, subject: str = "Your generator's loss",
                        target: Optional[float] = None, other: Optional[str] = None) -> tuple:
    """``(code, message)`` for a generator loss whose gradient at D's output fits ``label``.

    ``target``: the soft target for ``label == "mix"``; ``other``: ``Fit.other`` for ``label == "other"``.
    """
    fix = f"The generator minimises -log D(G(z)): use {_g_formula(family)}."
    if label == "N0":
        return "saturating_generator_loss", (
            f"{subject} is log(1 - D(G(z))), the original minimax loss. It saturates: when the discriminator "
            "confidently rejects the fakes (D(G(z)) near 0) its gradient vanishes and the generator stops "
            f"learning. Use the non-saturating loss instead: {_g_formula(family)}."
        )
    if label == "N1":
        return "wrong_generator_loss", (
            f"{subject} has the wrong sign: minimising log D(G(z)) makes the fakes *less* convincing. {fix}"
        )
    if label == "T0":
        return "wrong_generator_loss", (
            f"{subject} is -log(1 - D(G(z))), the discriminator's fake term (target 0): it trains the generator "
            f"to get caught. The generator's fakes get target 1. {fix}"
        )
    if label == "zero":
        return "wrong_generator_loss", f"{subject} does not depend on the discriminator's scores of the fakes. {fix}"
    if label == "mix" and target is not None:
        return "wrong_generator_loss", (
            f"{subject} uses target {target:.2f} for the fakes. The generator wants its fakes called real: "
            f"target 1 (a soft target within {SOFT_TARGET_MARGIN} of 1 is accepted). {fix}"
        )
    if label == "other" and other == "linear":
        return "wrong_generator_loss", (
            f"{subject} gives every fake the same push, whatever its score: a loss with no log does that "
            "(`1 - D(G(z))`, or the Wasserstein loss `-D(G(z))`), and so does a log taken after the mean "
            f"(`-log(mean D(G(z)))`). Take the log of each score, then average. {fix}"
        )
    if label == "other" and other is not None:
        return "wrong_generator_loss", f"{subject} is {other_loss_name(other)}, not the course's loss. {fix}"
    return "wrong_generator_loss", f"{subject} is not -log D(G(z)). {fix}"


def discriminator_loss_text(real: str, fake: str, family: str = "prob", *,
                            subject: str = "Your discriminator's loss", other: Optional[str] = None) -> str:
    """The message for a discriminator loss whose real and fake terms fit ``real`` and ``fake``.

    Labels as in ``_fit.py``, plus ``"missing"`` for a term that is not there at all.
    ``other``: ``Fit.other`` when the whole loss is another GAN's.
    """
    if other is not None:
        return f"{subject} is {other_loss_name(other)}, not the course's loss. Use {_d_formula(family)}."
    if real == "T0" and fake == "T1":
        return (
            f"{subject} has the labels swapped: it pushes real samples towards 0 and fakes towards 1. "
            f"Real samples get target 1 and fakes target 0: {_d_formula(family)}."
        )
    if real in ("N1", "N0") and fake in ("N0", "N1"):
        return (
            f"{subject} has the wrong sign: minimising it makes the discriminator worse. Both terms carry a "
            f"minus sign: {_d_formula(family)}."
        )
    if real == "missing":
        return (
            f"{subject} never looks at the real samples. It has two terms: -log D(x) on real samples and "
            f"-log(1 - D(G(z))) on fakes; add the real term. Use {_d_formula(family)}."
        )
    if fake == "missing":
        return (
            f"{subject} has no fake term, so the discriminator never learns what a fake looks like. Add "
            f"-log(1 - D(G(z))) on (detached) fakes to -log D(x) on the real samples: {_d_formula(family)}."
        )
    if real == "T1" and fake == "T1":
        return (
            f"The fake term of {_lower(subject)} is -log D(G(z)), the generator's loss. The discriminator wants "
            f"fakes scored 0: its fake term is -log(1 - D(G(z))). Use {_d_formula(family)}."
        )
    if fake == "T0" and real == "T0":
        return (
            f"The real term of {_lower(subject)} is -log(1 - D(x)); it should be -log D(x) (target 1 for real "
            f"samples). Use {_d_formula(family)}."
        )
    if real == "T1":
        return (
            f"The fake term of {_lower(subject)} is not -log(1 - D(G(z))): check the log, the `1 -` and the "
            f"minus sign. Use {_d_formula(family)}."
        )
    if fake == "T0":
        return (
            f"The real term of {_lower(subject)} is not -log D(x): check the log and the minus sign. "
            f"Use {_d_formula(family)}."
        )
    return (
        f"{subject} is not the GAN loss: use {_d_formula(family)}. Check each term: both need a log and a "
        "minus sign, and the fake term needs the `1 -`."
    )


def _lower(subject: str) -> str:
    return subject[0].lower() + subject[1:]


def sigmoid_applied_twice_text(subject: str = "your loss") -> str:
    return (
        f"Your discriminator already ends in a sigmoid (its outputs are probabilities), but {subject} applies "
        "another one (`BCEWithLogitsLoss`, `binary_cross_entropy_with_logits` or `torch.sigmoid`). Use "
        "`BCELoss` or explicit logs on the probabilities."
    )


def raw_scores_text(low: float, high: float) -> str:
    """The discriminator outputs raw scores while the step treats them as probabilities."""
    return (
        f"Your discriminator outputs raw scores (from {low:.2f} to {high:.2f} here), not probabilities, while your "
        "step treats them as probabilities. The course's discriminators end in a sigmoid: add `nn.Sigmoid()` "
        "as its last layer (its own check says so too). Your step was checked with a sigmoid added, so this "
        "costs nothing here. (If you meant raw scores, use `BCEWithLogitsLoss` in the step instead.)"
    )


def non_course_loss_text(names: Dict[str, Optional[str]], family: str = "prob") -> str:
    """Both losses of a step belong to another GAN; ``names``: network ("generator"/"discriminator") -> Fit.other."""
    kinds = {other_loss_name(k) for k in names.values()}
    what = kinds.pop() if len(kinds) == 1 else " and ".join(sorted(kinds))
    return (
        f"Your step trains with {what}, a different GAN from this course's. This exercise asks for the course's "
        f"losses: the discriminator minimises {_d_formula(family)}, and the generator {_g_formula(family)}."
    )


def label_smoothing_text(targets: Dict[str, float]) -> str:
    """A warning for accepted soft targets; ``targets``: "real" / "fake" / "generator" -> soft target."""
    parts = {
        "real": "the discriminator's real samples get {t:.2f} instead of 1",
        "fake": "the discriminator's fakes get {t:.2f} instead of 0",
        "generator": "the generator's fakes get {t:.2f} instead of 1",
    }
    said = "; ".join(parts[k].format(t=t) for k, t in targets.items())
    advice = "" if set(targets) == {"real"} else (
        " The usual advice is to soften only the discriminator's real target (one-sided label smoothing): "
        "keep 0 for the fakes and 1 as the generator's target."
    )
    return (
        f"Your step uses soft targets (label smoothing): {said}. That is accepted, but the course's losses use "
        f"hard targets (1 for real, 0 for fake, 1 for the generator's fakes).{advice}"
    )
