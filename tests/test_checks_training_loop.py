"""The training-loop check of notebook 03: its machinery, and the corpus's loops at check level.

The loops are the corpus's (``tests/corpus/nb03_training_loop.py``: the cell sources a student
would hand in), run here at check level with the visible and the hidden settings of the
notebook's test cell, and loaded by name where a test needs other settings.
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
from corpus import entry
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


def loop(name: str):
    return _compile(entry(corpus.SUBMISSIONS, name).cells["train_gan"])


@pytest.mark.parametrize("sub", LOOPS, ids=lambda s: s.name)
def test_catalog_loops_are_judged_right(sub):
    """The corpus's loops at check level: the hidden settings agree with the visible ones."""
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


def test_a_last_batch_of_one_is_refused_but_other_last_batches_are_fine():
    keep = loop("keeps_a_last_batch_of_one")
    assert check_training_loop(keep, runs=((48, 16, 2), (30, 8, 3))).passed  # last batches of 6: kept is fine
    for settings in ({}, HIDDEN):
        assert check_training_loop(keep, **settings).codes == ["batch_of_one"]


def test_stub_and_the_package_fit():
    assert check_training_loop(loop("loop_not_written")).codes == ["not_implemented"]
    assert check_training_loop(fit).codes == ["used_reference"]


def test_check_is_deterministic_and_leaves_random_state_alone():
    seed_everything(1)
    expected = (torch.rand(2), random.random(), np.random.rand())
    seed_everything(1)
    a = check_training_loop(loop("one_batch_drawn_before_the_loops"), seed=4)
    b = check_training_loop(loop("one_batch_drawn_before_the_loops"), seed=4)
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
        check_training_loop(loop("index_the_batch_drop_last"), **settings)
