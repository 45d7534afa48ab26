"""From a Recording to the problems, in small named steps.

1. **Read each backward pass**: the gradient it sent to each discriminator call, split into
   the real and the fake rows, is fitted against the BCE gradients (``_fit.py``); that names
   the loss of each term (a :class:`LossTerm`).
2. **Explain each optimizer step**: which passes since the last clearing add up to the
   gradients it used (a :class:`StepUse`).
3. **Give each pass a role**: the discriminator's loss, the generator's loss, both at once
   (one backward for two losses), or unknown.
4. **Check, in this order**, and stop after an order problem (the rest would only echo it):
   the order of the calls (swapped optimizers, ``step()`` before ``backward()``); one backward
   for both losses; one network's loss in the other's update; gradients piling up; networks
   not updated; a generator update with no gradient through the discriminator; weights
   changed outside the optimizers; then the losses themselves; then what was returned.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import torch

from .._fit import LABELS, Fit, fit_gradient
from ..loss_text import (
    discriminator_loss_text,
    generator_loss_text,
    label_smoothing_text,
    non_course_loss_text,
    sigmoid_applied_twice_text,
    soft_target_accepted,
)
from ..report import Report
from . import messages as say
from .recording import DISC, FAKE, GEN, NETS, REAL, UNKNOWN, BackwardPass, DiscriminatorCall, OptimizerStep, Recording

BOTH, UNKNOWN_ROLE = "both", "unknown"


@dataclass
class LossTerm:
    """The gradient one backward pass sent to the real (or fake) rows of one discriminator call."""

    kind: int  # REAL / FAKE / UNKNOWN
    fit: Optional[Fit]  # in the discriminator's own family (probabilities or raw scores)
    alt: Optional[Fit]  # in the other family: a sigmoid too many, or one too few
    dcall: DiscriminatorCall

    @property
    def nonzero(self) -> bool:
        return self.fit is None or not self.fit.zero

    @property
    def label(self) -> str:
        return self.fit.best if self.fit is not None else "other"

    def leaning(self) -> Optional[int]:
        """1 when minimising the term pushes the scores towards "real", 0 towards "fake", None if unclear."""
        fit = self.fit
        if fit is None or fit.zero:
            return None
        if fit.fits("T1"):
            return 1
        if fit.fits("T0"):
            return 0
        t = fit.soft_target
        if fit.best == "mix" and t is not None:
            return 1 if t >= 0.5 else 0
        if fit.other == "least_squares" and fit.target is not None:
            return 1 if fit.target >= 0.5 else 0
        if fit.other == "linear":
            return 1 if fit.direction > 0 else 0
        return None


@dataclass
class PassReading:
    bpass: BackwardPass
    terms: List[LossTerm]
    role: str = UNKNOWN_ROLE


@dataclass
class StepUse:
    step: OptimizerStep
    passes: Optional[List[BackwardPass]]  # None: no run of passes explains its gradients
    scale: float


def read_pass(bpass: BackwardPass, family: str) -> PassReading:
    terms = []
    for dcall, grad in bpass.score_grads:
        own = dcall.family or family  # scores read at the last layer (``disc.logits(x)``) are raw
        alt = "logit" if own == "prob" else "prob"
        for kind in (REAL, FAKE, UNKNOWN):
            rows = dcall.row_kinds == kind
            if not bool(rows.any()):
                continue
            out, g = dcall.scores[rows.to(dcall.scores.device)], grad[rows.to(grad.device)]
            terms.append(LossTerm(kind, fit_gradient(out, g, own), fit_gradient(out, g, alt), dcall))
    return PassReading(bpass, terms)


def explain_step(step: OptimizerStep, rec: Recording) -> StepUse:
    """Which passes since the last clearing add up to the gradients this step used?

    A scale below 1 is allowed (gradient clipping). ``passes`` is None when no run of the
    latest passes explains them.
    """
    params = rec.params[step.net]
    candidates = [p for p in rec.passes if 0 <= p.ended <= step.clock and p.touches(step.net)]
    s = step.grad
    sn = float(s.norm())
    if sn == 0.0:
        return StepUse(step, [], 1.0)
    total = torch.zeros_like(s)
    best, best_err, best_scale = None, float("inf"), 0.0
    for k in range(len(candidates) - 1, -1, -1):
        total = total + candidates[k].flat_grad(step.net, params)
        tn = float(total.norm())
        if tn == 0.0:
            continue
        if float((s - total).norm()) / max(sn, tn) < 1e-4:
            return StepUse(step, candidates[k:], 1.0)
        alpha = float(s @ total) / (tn * tn)
        if 0 < alpha <= 1.0001:
            err = float((s - alpha * total).norm()) / sn
            if err < 1e-4 and err < best_err:
                best, best_err, best_scale = candidates[k:], err, alpha
    return StepUse(step, best, best_scale)


class Diagnosis:
    """Reads one Recording; :meth:`run` writes what it finds into ``found``, the check's report.

    ``scores_as_probabilities`` is set when the discriminator gives raw scores but the step's
    losses expect probabilities (the check then tries again with a sigmoid added).
    """

    def __init__(self, rec: Recording, probabilities: bool, calls_done: int, returns: Sequence, found: Report):
        self.rec = rec
        self.family = "prob" if probabilities else "logit"
        self.calls_done = calls_done
        self.returns = list(returns)
        self.found = found
        self.scores_as_probabilities = False
        self.readings = [read_pass(p, self.family) for p in rec.passes]
        self.uses = [explain_step(st, rec) for st in rec.steps]
        self.used_by: Dict[str, set] = {GEN: set(), DISC: set()}
        for use in self.uses:
            self.used_by[use.step.net].update(p.index for p in use.passes or [])
        for reading in self.readings:
            reading.role = self._role(reading)

    def role(self, bpass: BackwardPass) -> str:
        return self.readings[bpass.index].role

    # ------------------------------------------------------------------ the run

    def run(self) -> bool:
        """Diagnose the recording into the report; returns ``scores_as_probabilities``."""
        if not self.order_problems():
            self.one_backward_for_both()
            self.losses_in_the_wrong_update()
            self.gradients_piling_up()
            self.networks_not_updated()
            self.no_gradient_through_discriminator()
            self.weights_changed_elsewhere()
            self.loss_contents()
            self.habits()
        self.returned_values()
        return self.scores_as_probabilities

    # ------------------------------------------------------------------ roles

    def _role(self, reading: PassReading) -> str:
        terms = [t for t in reading.terms if t.nonzero]
        if self._combined(terms):
            return BOTH
        if any(t.kind == REAL for t in terms):
            return DISC
        fake = [t for t in terms if t.kind == FAKE]
        only_generator = reading.bpass.index in self.used_by[GEN] and reading.bpass.index not in self.used_by[DISC]
        if not fake:
            every = [t for t in reading.terms if t.kind == FAKE]
            if every and all(t.fit is None for t in every):
                return GEN if only_generator else DISC
            return UNKNOWN_ROLE
        if any(t.leaning() == 0 for t in fake):
            # a fake term pushed towards 0 is the discriminator's, unless only the generator used it
            # (then it is a wrong generator loss)
            return GEN if only_generator else DISC
        return GEN

    @staticmethod
    def _combined(terms: List[LossTerm]) -> bool:
        """Does one pass hold a discriminator loss and a generator loss (``(d_loss + g_loss).backward()``)?"""
        real_ok = any(t.kind == REAL and t.leaning() == 1 for t in terms)
        disc_calls = {t.dcall.index for t in terms if t.kind == REAL or (t.kind == FAKE and t.leaning() == 0)}
        if not (real_ok or any(t.kind == FAKE and t.leaning() == 0 for t in terms)):
            return False
        for t in terms:
            if t.kind != FAKE or not t.dcall.attached:
                continue
            if t.leaning() == 1 and t.dcall.index not in disc_calls:
                return True
            soft = t.fit.soft_target if t.fit is not None and t.fit.best == "mix" else None
            if real_ok and soft is not None and 0.3 < soft < 0.7:  # one call of the fakes scored for both losses
                return True
        return False

    # ------------------------------------------------------------------ order

    def order_problems(self) -> bool:
        """Swapped optimizers, or ``step()`` before ``backward()``; True when one was found."""
        if any(self._swapped_in(c) for c in range(self.calls_done)):
            self.found.problem("optimizers_swapped", say.OPTIMIZERS_SWAPPED)
            return True
        late = [net for net in NETS if self._steps_before_backward(net)]
        if late:
            self.found.problem("step_before_backward", say.step_before_backward(late))
            return True
        return False

    def _last_pass_before(self, step: OptimizerStep) -> Optional[BackwardPass]:
        before = [p for p in self.rec.passes
                  if p.call == step.call and 0 <= p.ended <= step.clock and (p.touches(GEN) or p.touches(DISC))]
        return before[-1] if before else None

    def _swapped_in(self, call: int) -> bool:
        """Each optimizer stepped right after the other network's loss, within one call."""
        firsts = {}
        for net in NETS:
            steps = [s for s in self.rec.steps if s.call == call and s.net == net]
            if not steps:
                return False
            firsts[net] = self._last_pass_before(steps[0])
        d_after, g_after = firsts[DISC], firsts[GEN]
        return (d_after is not None and g_after is not None
                and self.role(d_after) == GEN and self.role(g_after) == DISC)

    def _steps_before_backward(self, net: str) -> bool:
        """In every call, the network stepped only before its own loss's backward, never after it."""
        seen = False
        for c in range(self.calls_done):
            steps = [s for s in self.rec.steps if s.call == c and s.net == net]
            own = [p for p in self.rec.passes if p.call == c and p.touches(net) and self.role(p) == net]
            if not steps or not own:
                continue
            if any(0 <= p.ended < s.clock for s in steps for p in own):
                return False
            seen = True
        return seen

    # ------------------------------------------------------------------ structure

    def one_backward_for_both(self) -> None:
        if any(self.readings[p.index].role == BOTH for use in self.uses for p in use.passes or []):
            self.found.problem("combined_backward", say.COMBINED_BACKWARD)

    def losses_in_the_wrong_update(self) -> None:
        for use in self.uses:
            for p in use.passes or []:
                role = self.role(p)
                if use.step.net == DISC and role == GEN:
                    self.found.problem("disc_updated_by_generator_loss", say.DISC_UPDATED_BY_GENERATOR_LOSS)
                elif use.step.net == GEN and role == DISC:
                    self.found.problem("generator_grads_from_disc_loss", say.GENERATOR_GRADS_FROM_DISC_LOSS)

    def gradients_piling_up(self) -> None:
        """A step used a pass from an earlier call, or one an earlier step of the same network had used."""
        used: Dict[str, set] = {GEN: set(), DISC: set()}
        other = {GEN: DISC, DISC: GEN}
        for use in self.uses:
            net = use.step.net
            for p in use.passes or []:
                if self.role(p) in (other[net], BOTH):
                    continue  # reported as a loss in the wrong update
                if p.call < use.step.call:
                    self.found.problem("stale_gradients", say.stale_gradients(within_call=False))
                elif p.index in used[net]:
                    self.found.problem("stale_gradients", say.stale_gradients(within_call=True))
            used[net].update(p.index for p in use.passes or [])

    def networks_not_updated(self) -> None:
        for c in range(self.calls_done):
            for net in NETS:
                if c in self.rec.changed_outside[net] or self._updated_in(net, c):
                    continue
                steps = [s for s in self.rec.steps if s.call == c and s.net == net]
                own = [p for p in self.rec.passes if p.call == c and self.role(p) == net]
                code = "generator_not_updated" if net == GEN else "discriminator_not_updated"
                self.found.problem(code, say.not_updated(
                    net, never_stepped=not steps, frozen=net == DISC and any(s.frozen for s in steps),
                    no_gradient=net == GEN and bool(own) and not any(p.touches(GEN) for p in own),
                    other_stepped_instead=not steps and self._other_stepped_after(net, c)))

    def _other_stepped_after(self, net: str, call: int) -> bool:
        """The other network's optimizer stepped right after this network's loss's backward."""
        other = [s for s in self.rec.steps if s.call == call and s.net != net]
        return any((last := self._last_pass_before(s)) is not None and self.role(last) == net for s in other)

    def _updated_in(self, net: str, call: int) -> bool:
        for use in self.uses:
            if use.step.call != call or use.step.net != net:
                continue
            if use.passes is None and use.step.has_grad:
                return True
            if any(p.touches(net) for p in use.passes or []):
                return True
        return False

    def no_gradient_through_discriminator(self) -> None:
        """The generator stepped with gradients, none of which came through the discriminator's scores."""
        for use in self.uses:
            if use.step.net != GEN or not use.passes:
                continue
            feeding = [p for p in use.passes if p.touches(GEN)]
            if feeding and not any(self._scored_fakes(p) for p in feeding):
                self.found.problem("no_adversarial_gradient", say.NO_ADVERSARIAL_GRADIENT)

    @staticmethod
    def _scored_fakes(bpass: BackwardPass) -> bool:
        return any(dcall.attached and bool(grad.abs().sum() > 0) for dcall, grad in bpass.score_grads)

    def weights_changed_elsewhere(self) -> None:
        if any(use.passes is None for use in self.uses):
            self.found.problem("unexpected_gradients", say.UNEXPECTED_GRADIENTS)
        for net in NETS:
            if self.rec.changed_outside[net]:
                self.found.problem("params_changed_outside_optimizer", say.params_changed_outside(net))

    # ------------------------------------------------------------------ the losses

    def loss_contents(self) -> None:
        soft: Dict[str, float] = {}
        wrong_family: Optional[str] = None
        d_terms = [t for r in self.readings if r.role == DISC for t in r.terms if t.kind != UNKNOWN]
        g_terms = [t for r in self.readings if r.role == GEN for t in r.terms if t.kind == FAKE and t.nonzero]
        hards = [0 if t.kind == FAKE else 1 for t in d_terms] + [1] * len(g_terms)
        for t, hard in zip(d_terms + g_terms, hards):
            own_explains = t.fit is not None and (t.fit.zero or t.fit.best in LABELS or (
                t.fit.other is not None and t.alt is not None and f"T{hard}" in t.alt.labels
                and t.fit.other_residual <= t.alt.labels[f"T{hard}"][0]))
            if t.alt is not None and t.alt.fits(f"T{hard}") and not own_explains:
                wrong_family = "double" if self.family == "prob" else "raw"
            if self.family == "logit" and (t.fit is None or (t.label == "other" and t.fit.other is None)):
                wrong_family = wrong_family or "raw"
        if wrong_family == "double":
            self.found.problem("sigmoid_applied_twice", sigmoid_applied_twice_text())
            return
        # raw scores read as probabilities: the check runs again with a sigmoid added (see __init__.py);
        # what follows is the verdict when that run shows the step was written for raw scores after all
        self.scores_as_probabilities = wrong_family == "raw"
        d_other = self._other_gan(d_terms, discriminator=True)
        g_other = self._other_gan(g_terms, discriminator=False)
        if d_other and g_other:
            self.found.problem("non_course_loss", non_course_loss_text({"discriminator": d_other, "generator": g_other},
                                                                       self.family))
        elif d_terms:
            self._discriminator_loss(d_terms, d_other, soft)
        if g_terms and not (d_other and g_other):
            self._generator_loss(g_terms, soft)
        if soft:
            self.found.warn("label_smoothing", label_smoothing_text(soft))

    @staticmethod
    def _other_gan(terms: List[LossTerm], discriminator: bool) -> Optional[str]:
        """The other GAN loss (least squares, linear) every term follows, pushing the right way; else None."""
        kinds = set()
        for t in terms:
            if not t.nonzero:
                continue
            want = 1 if (t.kind == REAL or not discriminator) else 0
            if t.fit is None or t.fit.other is None or t.leaning() != want:
                return None
            kinds.add(t.fit.other)
        return kinds.pop() if len(kinds) == 1 else None

    def _discriminator_loss(self, terms: List[LossTerm], other: Optional[str], soft: Dict[str, float]) -> None:
        if other is not None:
            self.found.problem("wrong_discriminator_loss",
                               discriminator_loss_text("T1", "T0", self.family, other=other))
            return
        labels: Dict[str, List[str]] = {"real": [], "fake": []}
        for t in terms:
            name, hard = ("real", 1) if t.kind == REAL else ("fake", 0)
            want = f"T{hard}"
            fit = t.fit
            if fit is not None and (fit.zero or fit.fits(want)):
                labels[name].append(want)
            elif fit is not None and fit.best == "mix" and soft_target_accepted(fit.soft_target, hard):
                soft.setdefault(name, fit.soft_target)
                labels[name].append(want)
            else:
                labels[name].append(t.label)
        real = next((lab for lab in labels["real"] if lab != "T1"), "T1" if labels["real"] else "missing")
        fake = next((lab for lab in labels["fake"] if lab != "T0"), "T0" if labels["fake"] else "missing")
        if real == "missing" and self.rec.real_rescaled is not None:
            self.found.problem("real_batch_rescaled", say.real_batch_rescaled(*self.rec.real_rescaled))
        elif (real, fake) != ("T1", "T0"):
            self.found.problem("wrong_discriminator_loss", discriminator_loss_text(real, fake, self.family))

    def _generator_loss(self, terms: List[LossTerm], soft: Dict[str, float]) -> None:
        for t in terms:
            fit = t.fit
            if fit is not None and fit.fits("T1"):
                continue
            if fit is not None and fit.best == "mix" and soft_target_accepted(fit.soft_target, 1):
                soft.setdefault("generator", fit.soft_target)
                continue
            code, msg = generator_loss_text(t.label, self.family, target=fit.soft_target if fit else None,
                                            other=fit.other if fit else None)
            self.found.problem(code, msg)
            return

    # ------------------------------------------------------------------ habits (warnings)

    def habits(self) -> None:
        for net in NETS:
            for c in range(self.calls_done):
                if sum(1 for s in self.rec.steps if s.call == c and s.net == net) > 1:
                    self.found.warn("extra_steps", say.extra_steps(net))
        if "generator_grads_from_disc_loss" not in self.found.codes and any(
                r.role == DISC and r.bpass.touches(GEN) for r in self.readings):
            self.found.warn("disc_loss_not_detached", say.DISC_LOSS_NOT_DETACHED)
        rows = self.rec.real.shape[0]
        if self.rec.fake_sizes and any(n != rows for n in self.rec.fake_sizes):
            self.found.warn("fake_batch_size", say.fake_batch_size(self.rec.fake_sizes, rows))

    # ------------------------------------------------------------------ what was returned

    def returned_values(self) -> None:
        for c, value in enumerate(self.returns):
            if not isinstance(value, (tuple, list)) or len(value) != 2 or not all(
                    isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value):
                self.found.problem("returns_wrong_type", say.returns_wrong_type(value))
                return
            g, d = (float(v) for v in value)
            if not (math.isfinite(g) and math.isfinite(d)):
                self.found.problem("not_finite", say.NOT_FINITE)
                self.scores_as_probabilities = self.scores_as_probabilities or self.family == "logit"
                return
            g_vals = self._loss_values(c, GEN)
            d_vals = self._loss_values(c, DISC)
            if not g_vals or not d_vals:
                continue
            if _close(g, g_vals) and _close(d, d_vals):
                continue
            if _close(g, d_vals) and _close(d, g_vals):
                self.found.problem("outputs_swapped", say.OUTPUTS_SWAPPED)
                return
            self.found.warn("returned_values_unexpected", say.RETURNED_VALUES_UNEXPECTED)

    def _loss_values(self, call: int, role: str) -> List[float]:
        return [r.bpass.losses[0] for r in self.readings
                if r.bpass.call == call and r.role == role and r.bpass.losses]


def _close(x: float, values: List[float]) -> bool:
    candidates = list(values) + [sum(values), sum(values) / len(values)]
    return any(math.isclose(x, v, rel_tol=1e-4, abs_tol=1e-6) for v in candidates)
