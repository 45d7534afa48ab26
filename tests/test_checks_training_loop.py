"""The training-loop check of notebook 03, against its catalog of correct and buggy loops.

The catalog is the corpus module ``tests/corpus/nb03_training_loop.py`` (the cell sources a
student would hand in), run here at check level with the visible and the hidden settings
of the notebook's test cell, plus loops written here for the rarer codes.
"""
from __future__ import annotations

import copy
import math
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aml_gan.checks import check_training_loop
from aml_gan.config import seed_everything
from aml_gan.training import fit
from corpus import nb03_training_loop as corpus

HIDDEN = dict(runs=((50, 10, 1), (23, 4, 2), (25, 4, 2)), latent_dim=5, seed=3)  # as in the notebook's hidden test


def _notebook_train_step(*args, **kwargs):  # the student's own step, called by name instead of step_fn
    return 0.7, 1.4


NAMESPACE = dict(torch=torch, nn=nn, F=F, DataLoader=DataLoader, TensorDataset=TensorDataset, math=math,
                 copy=copy, LATENT_DIM=4, BATCH_SIZE=128, train_step=_notebook_train_step)


def _compile(source: str):
    namespace = dict(NAMESPACE)
    exec(source, namespace)
    return namespace["train_gan"]


LOOPS = [s for s in corpus.SUBMISSIONS if "train_gan" in s.cells]


def test_the_catalog_is_big_enough():
    assert sum(s.correct for s in LOOPS) >= 3 and sum(not s.correct for s in LOOPS) >= 5


@pytest.mark.parametrize("sub", LOOPS, ids=lambda s: s.name)
def test_catalog_loops_are_judged_right(sub):
    fn = _compile(sub.cells["train_gan"])
    for settings in ({}, HIDDEN):
        report = check_training_loop(fn, **settings)
        if sub.correct:
            assert report.passed, f"{settings}: {report}"
        else:
            assert not report.passed, settings
            if not settings:  # the visible cell fails first: its message must name the bug
                text = " ".join(p.code + " " + p.message for p in report.problems)
                assert all(m in text for m in sub.mentions), str(report)


def _loop(batches=lambda loader: loader, shuffle=True, drop_last=True, tweak=lambda b: b, args=None):
    def train_gan(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn):
        loader = DataLoader(TensorDataset(samples), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
        history = {"gen_loss": [], "disc_loss": []}
        for _ in range(epochs):
            for (real,) in batches(loader):
                call = args(gen, disc, gen_optim, disc_optim, tweak(real), latent_dim) if args else \
                    (gen, disc, gen_optim, disc_optim, tweak(real), latent_dim)
                g, d = step_fn(*call)
                history["gen_loss"].append(g)
                history["disc_loss"].append(d)
        return history
    return train_gan


def test_unshuffled_loader_passes_with_a_warning():
    report = check_training_loop(_loop(shuffle=False))
    assert report.passed and "not_shuffled" in [w.code for w in report.warnings], str(report)


def test_drop_last_is_accepted_either_way_but_a_batch_of_one_is_not():
    assert check_training_loop(_loop(drop_last=True)).passed
    assert check_training_loop(_loop(drop_last=True), **HIDDEN).passed
    keep = _loop(drop_last=False)
    assert check_training_loop(keep, runs=((48, 16, 2), (30, 8, 3))).passed  # last batches of 6: kept is fine
    for settings in ({}, HIDDEN):
        assert check_training_loop(keep, **settings).codes == ["batch_of_one"]
    skip_one = _loop(drop_last=False, batches=lambda loader: (b for b in loader if len(b[0]) > 1))
    for settings in ({}, HIDDEN):
        assert check_training_loop(skip_one, **settings).passed


@pytest.mark.parametrize("loop,code", [
    (_loop(tweak=lambda b: (b - b.mean()) / 10), "batch_not_from_samples"),
    (_loop(tweak=lambda b: b.reshape(-1)), "batch_not_from_samples"),
    (_loop(args=lambda g, d, go, do, b, l: (g, d, do, go, b, l)), "step_arguments_wrong"),
    (_loop(args=lambda g, d, go, do, b, l: (d, g, go, do, b, l)), "step_arguments_wrong"),
    (_loop(args=lambda g, d, go, do, b, l: (g, d, go, do, b, l, 0.5)), "step_arguments_wrong"),
])
def test_rarer_bugs_are_named(loop, code):
    report = check_training_loop(loop)
    assert report.codes == [code], str(report)


def test_loop_that_changes_samples_in_place():
    def train_gan(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn):
        samples /= 1.0 + 1e-3                      # "normalised" in place
        return _loop()(gen, disc, gen_optim, disc_optim, samples, latent_dim, epochs, batch_size, step_fn)

    assert "mutates_inputs" in check_training_loop(train_gan).codes


def test_stub_and_the_package_fit():
    def stub(*args):
        raise NotImplementedError()

    assert check_training_loop(stub).codes == ["not_implemented"]
    assert check_training_loop(fit).codes == ["used_reference"]


def test_check_is_deterministic_and_leaves_random_state_alone():
    seed_everything(1)
    expected = (torch.rand(2), random.random(), np.random.rand())
    seed_everything(1)
    a = check_training_loop(_loop(batches=lambda loader: [next(iter(loader))] * len(loader)), seed=4)
    b = check_training_loop(_loop(batches=lambda loader: [next(iter(loader))] * len(loader)), seed=4)
    assert a.problems == b.problems and a.problems
    assert torch.equal(torch.rand(2), expected[0]) and random.random() == expected[1] and np.random.rand() == expected[2]


@pytest.mark.parametrize("settings,words", [
    (dict(runs=((10, 20, 1),)), "batch_size <= samples"),
    (dict(runs=((10, 2),)), "each run is"),
    (dict(runs=()), "at least one"),
    (dict(latent_dim=0), "latent_dim"),
])
def test_settings_are_validated(settings, words):
    with pytest.raises(ValueError, match=words):
        check_training_loop(_loop(), **settings)
