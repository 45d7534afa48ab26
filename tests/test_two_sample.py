"""Notebook 01's two-sample test: the reference metric, its input errors, and the
grading check against a catalog of correct and buggy student implementations.

Every student implementation here has the notebook's signature
``fn(real, fake, seed=0) -> float`` (balanced held-out accuracy of a real-vs-fake
classifier; plain accuracy after subsampling to equal sizes is accepted too).
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from aml_gan.checks import check_two_sample_basics, check_two_sample_test
from aml_gan.metrics import gaussian_best_accuracy, two_sample_accuracy
from student_copies import as_student


# ----------------------------------------------------------------------------- helpers for students' code
def _rows(x):
    return x.reshape(len(x), -1).float()


def _data(real, fake):
    real, fake = _rows(real), _rows(fake)
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    return x, y


def _train_logistic(x, y, steps=150, lr=0.1, seed=0):
    torch.manual_seed(seed)
    mean, std = x.mean(0), x.std(0) + 1e-6
    model = nn.Linear(x.shape[1], 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(model((x - mean) / std).squeeze(1), y)
        loss.backward()
        opt.step()
    return lambda z: (model((z - mean) / std).squeeze(1) > 0).float()


# ----------------------------------------------------------------------------- correct implementations
def correct_reference(real, fake, seed=0):
    """The package's own metric, as a student's copy of it would behave."""
    return as_student(two_sample_accuracy)(real, fake, seed=seed, steps=100)


def _balanced(predicted, y):
    """Mean of the accuracy on real rows (y = 1) and on fake rows (y = 0)."""
    hits = (predicted == y).float()
    return 0.5 * (hits[y == 1].mean() + hits[y == 0].mean()).item()


def correct_logistic_half_split(real, fake, seed=0):
    """Logistic regression, 50/50 split, balanced accuracy over the test rows."""
    x, y = _data(real, fake)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=g)
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return _balanced(predict(x[test]), y[test])


def bug_plain_accuracy_unequal_sizes(real, fake, seed=0):
    """Plain accuracy over all test rows: with 1000 real against 300 fake it rewards saying "real"."""
    x, y = _data(real, fake)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=g)
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return (predict(x[test]) == y[test]).float().mean().item()


def correct_mlp_80_20(real, fake, seed=0):
    """A tiny MLP with SGD and an 80/20 split after subsampling to equal sizes; returns a 0-d tensor (accepted)."""
    g = torch.Generator().manual_seed(seed)
    k = min(len(real), len(fake))
    real = real[torch.randperm(len(real), generator=g)[:k]]
    fake = fake[torch.randperm(len(fake), generator=g)[:k]]
    x, y = _data(real, fake)
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(x), generator=g)
    cut = int(0.8 * len(x))
    xtr, ytr, xte, yte = x[perm[:cut]], y[perm[:cut]], x[perm[cut:]], y[perm[cut:]]
    mean, std = xtr.mean(0), xtr.std(0) + 1e-6
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(x.shape[1], 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(net((xtr - mean) / std).squeeze(1), ytr).backward()
        opt.step()
    with torch.no_grad():
        return ((net((xte - mean) / std).squeeze(1) > 0).float() == yte).float().mean()


def correct_nearest_centroid(real, fake, seed=0):
    """No gradient descent at all: nearest class mean, fitted on a training half (numpy)."""
    r, f = _rows(real).numpy(), _rows(fake).numpy()
    rng = np.random.default_rng(seed)
    r, f = r[rng.permutation(len(r))], f[rng.permutation(len(f))]
    r_tr, r_te = r[: len(r) // 2], r[len(r) // 2:]
    f_tr, f_te = f[: len(f) // 2], f[len(f) // 2:]
    mr, mf = r_tr.mean(0), f_tr.mean(0)

    def says_real(z):
        return ((z - mr) ** 2).sum(1) < ((z - mf) ** 2).sum(1)

    hits = says_real(r_te).sum() + (~says_real(f_te)).sum()
    return float(hits / (len(r_te) + len(f_te)))


CORRECT = [correct_reference, correct_logistic_half_split, correct_mlp_80_20, correct_nearest_centroid]


# ----------------------------------------------------------------------------- buggy implementations
def bug_stub(real, fake, seed=0):
    raise NotImplementedError()


def bug_crashes(real, fake, seed=0):
    """Forgot that labels need the same length as the data."""
    x, _ = _data(real, fake)
    y = torch.ones(len(real))
    return (x[:, 0] * y).mean().item()


def bug_assumes_2d(real, fake, seed=0):
    """Reads real.shape[1]: breaks on (n,) inputs, works on (n, d)."""
    d = real.shape[1]
    return correct_logistic_half_split(real.reshape(-1, d), fake.reshape(-1, d), seed)


def bug_flat_1d_as_one_sample(real, fake, seed=0):
    """Treats an (n,) tensor as ONE sample with n features; 'too few samples' -> returns 0.5."""
    if real.dim() == 1:
        real, fake = real.reshape(1, -1), fake.reshape(1, -1)
    if len(real) < 2:
        return 0.5
    return correct_logistic_half_split(real, fake, seed)


def bug_returns_predictions(real, fake, seed=0):
    """Returns the test predictions instead of their accuracy."""
    x, y = _data(real, fake)
    predict = _train_logistic(x, y, seed=seed)
    return predict(x)


def bug_percentage(real, fake, seed=0):
    return 100 * correct_logistic_half_split(real, fake, seed)


def bug_count_of_hits(real, fake, seed=0):
    x, y = _data(real, fake)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return (predict(x[test]) == y[test]).sum().item()


def bug_training_accuracy(real, fake, seed=0):
    """No split: fits a flexible classifier on every row and reports accuracy on those same rows."""
    x, y = _data(real, fake)
    predict = _train_logistic(x, y, seed=seed)
    return (predict(x) == y).float().mean().item()


def bug_nearest_centroid_on_training_rows(real, fake, seed=0):
    """Nearest class mean, scored on the rows that made the means (no training loop at all)."""
    r, f = _rows(real), _rows(fake)
    mr, mf = r.mean(0), f.mean(0)
    hits = (((r - mr) ** 2).sum(1) < ((r - mf) ** 2).sum(1)).sum() + (((f - mf) ** 2).sum(1) < ((f - mr) ** 2).sum(1)).sum()
    return float(hits) / (len(r) + len(f))


def bug_evaluates_on_everything(real, fake, seed=0):
    """Trains on half, but measures accuracy on ALL rows (half of them seen in training)."""
    x, y = _data(real, fake)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train = perm[: len(x) // 2]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return (predict(x) == y).float().mean().item()


def bug_empty_test_set(real, fake, seed=0):
    """Splits with a fraction that rounds to zero test rows: 0 / 0 = NaN."""
    x, y = _data(real, fake)
    test = torch.arange(0)
    return ((x[test, 0] > 0).float() == y[test]).float().mean().item()


def bug_always_half(real, fake, seed=0):
    return 0.5


def bug_constant(real, fake, seed=0):
    return 0.8


def bug_inverted_labels(real, fake, seed=0):
    """Trains with real = 1 but scores the test rows against real = 0."""
    x, y = _data(real, fake)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return (predict(x[test]) == 1 - y[test]).float().mean().item()


def bug_error_rate(real, fake, seed=0):
    """Returns the error rate instead of the accuracy."""
    return 1.0 - correct_logistic_half_split(real, fake, seed)


def bug_shuffled_labels_separately(real, fake, seed=0):
    """Shuffles x and y with different permutations: each row loses its label, nothing is learned."""
    x, y = _data(real, fake)
    x = x[torch.randperm(len(x))]
    y = y[torch.randperm(len(y))]
    half = len(x) // 2
    predict = _train_logistic(x[:half], y[:half], seed=seed)
    return (predict(x[half:]) == y[half:]).float().mean().item()


def bug_no_shuffle_before_split(real, fake, seed=0):
    """Splits the stacked rows without shuffling: trains on real rows only, tests on fake rows only."""
    x, y = _data(real, fake)
    half = len(x) // 2
    predict = _train_logistic(x[:half], y[:half], seed=seed)
    return (predict(x[half:]) == y[half:]).float().mean().item()


def bug_broadcast_shapes(real, fake, seed=0):
    """Compares predictions of shape (n, 1) with labels of shape (n,): an (n, n) table, always ~0.5."""
    x, y = _data(real, fake)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    train, test = perm[: len(x) // 2], perm[len(x) // 2:]
    predict = _train_logistic(x[train], y[train], seed=seed)
    return (predict(x[test]).unsqueeze(1) == y[test]).float().mean().item()


def bug_standardises_each_sample_separately(real, fake, seed=0):
    """Standardises real and fake with their OWN means and spreads: the difference is erased."""
    real, fake = _rows(real), _rows(fake)
    real = (real - real.mean(0)) / real.std(0)
    fake = (fake - fake.mean(0)) / fake.std(0)
    return correct_logistic_half_split(real, fake, seed)


def bug_mutates_inputs(real, fake, seed=0):
    """Standardises the caller's tensors in place."""
    both = torch.cat([real, fake])
    real -= both.mean()
    fake -= both.mean()
    return correct_logistic_half_split(real, fake, seed)


BUGGY = [
    (bug_stub, "not_implemented"),
    (bug_crashes, "raised"),
    (bug_assumes_2d, "bad_1d_input"),
    (bug_flat_1d_as_one_sample, "bad_1d_input"),
    (bug_returns_predictions, "returns_wrong_type"),
    (bug_percentage, "output_out_of_range"),
    (bug_count_of_hits, "output_out_of_range"),
    (bug_empty_test_set, "output_out_of_range"),
    (bug_training_accuracy, "accuracy_on_training_data"),
    (bug_nearest_centroid_on_training_rows, "accuracy_on_training_data"),
    (bug_evaluates_on_everything, "accuracy_on_training_data"),
    (bug_always_half, "always_half"),
    (bug_constant, "ignores_input"),
    (bug_inverted_labels, "inverted_labels"),
    (bug_error_rate, "inverted_labels"),
    (bug_shuffled_labels_separately, "shifted_not_detected"),
    (bug_broadcast_shapes, "shifted_not_detected"),
    (bug_standardises_each_sample_separately, "shifted_not_detected"),
    (bug_no_shuffle_before_split, "ignores_input"),
    (bug_mutates_inputs, "mutates_inputs"),
    (bug_plain_accuracy_unequal_sizes, "unbalanced_not_half"),
]


# ----------------------------------------------------------------------------- the catalog
@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
@pytest.mark.parametrize("seed", [0, 1])
def test_correct_implementations_pass(fn, seed):
    report = check_two_sample_test(fn, seed=seed)
    assert report.passed, str(report)


# Bugs whose detection rests on statistics are tried on two data seeds; the others on one.
STATISTICAL = {"accuracy_on_training_data", "inverted_labels", "shifted_not_detected", "bad_1d_input",
               "unbalanced_not_half"}
BUGGY_CASES = [(fn, code, seed) for fn, code in BUGGY for seed in ((0, 1) if code in STATISTICAL else (0,))]


@pytest.mark.parametrize("fn,code,seed", BUGGY_CASES, ids=[f"{f.__name__}-{s}" for f, _, s in BUGGY_CASES])
def test_buggy_implementations_are_named(fn, code, seed):
    report = check_two_sample_test(fn, seed=seed)
    assert not report.passed
    assert code in report.codes, str(report)
    with pytest.raises(AssertionError):
        report.raise_for_problems()
    for problem in report.problems:  # plain words, no stack traces
        assert "Traceback" not in problem.message and len(problem.message) < 600


# ----------------------------------------------------------------------------- the basics check
BASICS_SETTINGS = [dict(), dict(seed=2024, n=600, dim=3, shift=3.5), dict(seed=5, n=100, dim=1)]


@pytest.mark.parametrize("fn", CORRECT, ids=lambda f: f.__name__)
@pytest.mark.parametrize("settings", BASICS_SETTINGS, ids=str)
def test_basics_pass_correct_implementations(fn, settings):
    report = check_two_sample_basics(fn, **settings)
    assert report.passed, str(report)


BASICS_BUGS = [
    (bug_stub, "not_implemented"),
    (bug_crashes, "raised"),
    (bug_assumes_2d, "bad_1d_input"),
    (bug_returns_predictions, "returns_wrong_type"),
    (bug_percentage, "output_out_of_range"),
    (bug_inverted_labels, "inverted_labels"),
    (bug_always_half, "shifted_not_detected"),
    (bug_mutates_inputs, "mutates_inputs"),
]


@pytest.mark.parametrize("fn,code", BASICS_BUGS, ids=[f.__name__ for f, _ in BASICS_BUGS])
@pytest.mark.parametrize("settings", BASICS_SETTINGS[:2], ids=str)
def test_basics_name_the_bug(fn, code, settings):
    report = check_two_sample_basics(fn, **settings)
    assert code in report.codes, str(report)


def test_basics_do_not_judge_what_the_full_check_judges():
    """Training accuracy and plain accuracy on unequal sizes are the full check's business."""
    assert check_two_sample_basics(bug_training_accuracy).passed
    assert check_two_sample_basics(bug_plain_accuracy_unequal_sizes).passed


@pytest.mark.parametrize("settings,words", [(dict(n=5), "n must"), (dict(dim=0), "dim must"), (dict(shift=1.0), "shift")])
def test_basics_settings_are_validated(settings, words):
    with pytest.raises(ValueError, match=words):
        check_two_sample_basics(correct_nearest_centroid, **settings)


def test_basics_refuse_the_package_metric():
    assert check_two_sample_basics(two_sample_accuracy).codes == ["used_reference"]


def test_a_library_the_grader_lacks_is_named_where_it_is_installed(tmp_path, monkeypatch):
    """scikit-learn is not on the grader: a detector that runs it is told so by the visible check,
    where scikit-learn is installed (a stand-in package here), and where its import fails."""
    package = tmp_path / "sklearn"
    package.mkdir()
    (package / "__init__.py").write_text(
        "def nearest_mean(x, y, x_test):\n"
        "    m1, m0 = x[y == 1].mean(0), x[y == 0].mean(0)\n"
        "    return (((x_test - m1) ** 2).sum(1) < ((x_test - m0) ** 2).sum(1)).float()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, "sklearn", raising=False)
    import sklearn  # the stand-in

    def detector(real, fake, seed=0):
        real, fake = real.reshape(len(real), -1), fake.reshape(len(fake), -1)
        x, y = torch.cat([real, fake]), torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
        train, test = order[: len(x) // 2], order[len(x) // 2:]
        hits = (sklearn.nearest_mean(x[train], y[train], x[test]) == y[test]).float()
        return 0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()

    for check in (check_two_sample_basics, check_two_sample_test):
        report = check(detector)
        assert report.codes == ["library_not_on_grader"] and "scikit-learn" in str(report), str(report)

    def imports_it(real, fake, seed=0):
        from sklearn.linear_model import LogisticRegression  # noqa: F401  (not in the stand-in: no module)

    assert check_two_sample_basics(imports_it).codes == ["library_not_on_grader"]


def test_matched_not_half_is_reported():
    """A detector that is fine in many dimensions but biased on 1-D data (synthetic: no natural bug
    produces this without also tripping the training-data case, which takes precedence)."""
    def biased_in_1d(real, fake, seed=0):
        acc = correct_nearest_centroid(real, fake, seed)
        return min(1.0, acc + 0.2) if _rows(real).shape[1] == 1 else acc

    report = check_two_sample_test(biased_in_1d)
    assert report.codes == ["matched_not_half"], str(report)


def test_check_leaves_global_rng_alone():
    torch.manual_seed(3)
    expected = torch.rand(3)
    torch.manual_seed(3)
    check_two_sample_test(correct_nearest_centroid)
    assert torch.equal(torch.rand(3), expected)


def test_unseeded_implementation_gets_a_warning_not_a_failure():
    def unseeded(real, fake, seed=0):
        return correct_mlp_80_20(real, fake, seed=int(torch.randint(0, 10**6, ())))

    report = check_two_sample_test(unseeded)
    assert report.passed, str(report)
    assert "ignores_seed" in [w.code for w in report.warnings]


def test_check_is_deterministic():
    a = check_two_sample_test(bug_nearest_centroid_on_training_rows)
    b = check_two_sample_test(bug_nearest_centroid_on_training_rows)
    assert a.problems and a.problems == b.problems


# ----------------------------------------------------------------------------- the reference metric
def _gauss(n, d=1, shift=0.0, seed=0):
    return torch.randn(n, d, generator=torch.Generator().manual_seed(seed)) + shift


def test_matched_samples_give_about_half():
    accs = [two_sample_accuracy(_gauss(1000, seed=2 * s), _gauss(1000, seed=2 * s + 1), seed=s) for s in range(3)]
    assert all(abs(a - 0.5) < 0.06 for a in accs), accs


@pytest.mark.parametrize("shift", [1.0, 2.0, 3.0])
def test_shifted_samples_approach_the_best_possible_accuracy(shift):
    acc = two_sample_accuracy(_gauss(1000, seed=0), _gauss(1000, shift=shift, seed=1))
    assert abs(acc - gaussian_best_accuracy(shift)) < 0.05


def test_returns_a_float_in_unit_interval_and_is_seeded():
    real, fake = _gauss(300, 3, seed=0), _gauss(300, 3, shift=0.5, seed=1)
    a = two_sample_accuracy(real, fake, seed=4)
    assert isinstance(a, float) and 0.0 <= a <= 1.0
    assert a == two_sample_accuracy(real, fake, seed=4)


def test_one_dimensional_inputs_equal_column_inputs():
    real, fake = _gauss(300, seed=0), _gauss(300, shift=1.0, seed=1)
    assert two_sample_accuracy(real[:, 0], fake[:, 0]) == two_sample_accuracy(real, fake)


def test_images_are_flattened_and_unequal_sizes_are_balanced():
    real = torch.rand(120, 1, 4, 4)
    fake = torch.rand(60, 1, 4, 4) * 0.5
    assert two_sample_accuracy(real, fake, hidden=0) > 0.85


def test_inputs_are_not_mutated_and_global_rng_is_untouched():
    real, fake = _gauss(200, 2, seed=0), _gauss(200, 2, shift=1.0, seed=1)
    saved = real.clone(), fake.clone()
    torch.manual_seed(5)
    expected = torch.rand(2)
    torch.manual_seed(5)
    two_sample_accuracy(real, fake)
    assert torch.equal(torch.rand(2), expected)
    assert torch.equal(real, saved[0]) and torch.equal(fake, saved[1])


def test_numpy_inputs_are_accepted():
    assert 0.0 <= two_sample_accuracy(np.random.randn(50, 2), np.random.randn(50, 2) + 3) <= 1.0


@pytest.mark.parametrize(
    "real,fake,error,words",
    [
        (torch.randn(50, 2), torch.randn(50, 3), ValueError, "same d"),
        (torch.randn(5, 2), torch.randn(50, 2), ValueError, "at least 10"),
        (torch.randn(50, 2), torch.full((50, 2), math.nan), ValueError, "NaN"),
        (torch.randn(50, 2), torch.tensor([[math.inf, 0.0]] * 50), ValueError, "NaN or infinite"),
        (torch.tensor(1.0), torch.randn(50), ValueError, "single number"),
        ("abc", torch.randn(50), TypeError, "torch tensor"),
    ],
)
def test_bad_inputs_raise_clear_errors(real, fake, error, words):
    with pytest.raises(error, match=words):
        two_sample_accuracy(real, fake)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="test_fraction"):
        two_sample_accuracy(torch.randn(50), torch.randn(50), test_fraction=1.0)


@pytest.mark.parametrize("shift,std,expected", [(0.0, 1.0, 0.5), (2.0, 1.0, 0.8413), (100.0, 1.0, 1.0)])
def test_gaussian_best_accuracy(shift, std, expected):
    assert gaussian_best_accuracy(shift, std) == pytest.approx(expected, abs=1e-3)


def test_gaussian_best_accuracy_sees_spread():
    assert gaussian_best_accuracy(0.0, 3.0) > 0.7
    with pytest.raises(ValueError):
        gaussian_best_accuracy(0.0, 0.0)


def test_student_warnings_and_stderr_do_not_leak(capfd):
    """nbgrader gives 0 points to a test cell that writes to stderr: the check must swallow it."""
    import sys
    import warnings

    def noisy(real, fake, seed=0):
        warnings.warn("some deprecation", DeprecationWarning)
        warnings.warn("some user warning")
        print("progress 100%", file=sys.stderr)
        return correct_nearest_centroid(real, fake, seed)

    report = check_two_sample_test(noisy)
    assert report.passed, str(report)
    assert capfd.readouterr().err == ""


# ----------------------------------------------------------------------------- the widget module
def test_accuracy_vs_shift_falls_to_half():
    from aml_gan.widgets.two_sample import accuracy_vs_shift

    far, near, same = accuracy_vs_shift([3.0, 1.0, 0.0], n=400)
    assert far > near > same and abs(same - 0.5) < 0.1


def test_static_figure_draws_panels_and_curve():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aml_gan.widgets.two_sample import plot_accuracy_vs_shift

    fig = plot_accuracy_vs_shift([0.0, 2.0], panels=(2.0, 0.0), n=100)
    assert len(fig.axes) == 3
    curve = fig.axes[-1]
    assert len(curve.lines) >= 3  # best-possible line, detector dots, coin-flip line
    plt.close(fig)


def test_widget_builds_and_degrades_without_ipywidgets(monkeypatch, capsys):
    import sys

    import matplotlib

    matplotlib.use("Agg")
    from aml_gan.widgets.two_sample import two_sample_explorer

    box = two_sample_explorer(n=100, steps=20)
    assert box is not None and len(box.children) == 2
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # "import ipywidgets" now fails
    assert two_sample_explorer(n=100) is None
    assert "static figure" in capsys.readouterr().out


def test_widget_module_imports_without_ipywidgets(monkeypatch):
    import importlib
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    import aml_gan.widgets.two_sample as module

    importlib.reload(module)
    assert callable(module.show_two_sample_demo)


def test_the_package_metric_is_refused():
    assert check_two_sample_test(two_sample_accuracy).codes == ["used_reference"]
    report = check_two_sample_test(lambda real, fake, seed=0: two_sample_accuracy(real, fake, seed=seed))
    assert report.codes == ["used_reference"], str(report)
