"""Submissions for notebook 01 (motivation): the two-sample test ``detector_accuracy``.

Correct detectors in styles other than the solution's (logistic regression, nearest class
mean in NumPy, subsampling to equal sizes), and the mistakes people make with classifier
two-sample tests: scoring the training rows, plain accuracy on unequal samples, a split
without shuffling, standardising each sample on its own, and the like.
"""
from . import correct, mistake

ASSIGNMENT = "01_motivation"
EXERCISES = {
    "detector_accuracy": ("test_detector_basics", "test_detector_behaviour"),
}

_SIGNATURE = "def detector_accuracy(real, fake, seed=0):\n"


def _detector(body: str) -> str:
    return _SIGNATURE + body


# A correct split-train-score core the mistakes below change in one place each.
_PREP = '''\
    real = real.reshape(len(real), -1).float()
    fake = fake.reshape(len(fake), -1).float()
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=g)
    train, test = order[: len(x) // 2], order[len(x) // 2:]
'''
_TRAIN = '''\
    mean, std = x[train].mean(0), x[train].std(0) + 1e-6
    xs = (x - mean) / std
    torch.manual_seed(seed)
    model = nn.Linear(x.shape[1], 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(xs[train]).squeeze(1), y[train]).backward()
        opt.step()
    with torch.no_grad():
        pred = (model(xs[test]).squeeze(1) > 0).float()
'''
_BALANCED = '''\
    hits = (pred == y[test]).float()
    return 0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()
'''

SUBMISSIONS = [
    # ------------------------------------------------------------------ correct, other styles
    correct("logistic_regression_balanced", detector_accuracy=_detector(_PREP + _TRAIN + _BALANCED)),
    correct("nearest_class_mean_numpy", detector_accuracy=_detector('''\
    import numpy as np
    r = real.reshape(len(real), -1).numpy().astype(float)
    f = fake.reshape(len(fake), -1).numpy().astype(float)
    rng = np.random.default_rng(seed)
    r, f = r[rng.permutation(len(r))], f[rng.permutation(len(f))]
    r_train, r_test = r[: len(r) // 2], r[len(r) // 2:]      # each sample split on its own
    f_train, f_test = f[: len(f) // 2], f[len(f) // 2:]
    mu_r, mu_f = r_train.mean(0), f_train.mean(0)

    def says_real(z):
        return ((z - mu_r) ** 2).sum(1) < ((z - mu_f) ** 2).sum(1)

    acc_real = says_real(r_test).mean()                         # accuracy on held-out real rows
    acc_fake = (~says_real(f_test)).mean()                      # and on held-out fake rows
    return float((acc_real + acc_fake) / 2)
''')),
    correct("subsample_then_mlp_80_20", detector_accuracy=_detector('''\
    real = real.reshape(len(real), -1).float()
    fake = fake.reshape(len(fake), -1).float()
    g = torch.Generator().manual_seed(seed)
    k = min(len(real), len(fake))                               # equal sizes: plain accuracy is fair
    real = real[torch.randperm(len(real), generator=g)[:k]]
    fake = fake[torch.randperm(len(fake), generator=g)[:k]]
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(k), torch.zeros(k)]).unsqueeze(1)
    order = torch.randperm(2 * k, generator=g)
    cut = int(0.8 * 2 * k)
    tr, te = order[:cut], order[cut:]
    mean, std = x[tr].mean(0), x[tr].std(0) + 1e-6
    x = (x - mean) / std
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Linear(x.shape[1], 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(200):
        opt.zero_grad()
        loss_fn(net(x[tr]), y[tr]).backward()
        opt.step()
    with torch.no_grad():
        correct = ((net(x[te]) > 0).float() == y[te]).float()
    return correct.mean()                                       # a 0-d tensor is accepted
''')),
    correct("class_weighted_loss_and_balanced_score", detector_accuracy=_detector(_PREP + '''\
    mean, std = x[train].mean(0), x[train].std(0) + 1e-6
    xs = (x - mean) / std
    n_real, n_fake = (y[train] == 1).sum(), (y[train] == 0).sum()
    weight = torch.where(y[train] == 1, 0.5 / n_real, 0.5 / n_fake)   # both classes weigh the same
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(x.shape[1], 8), nn.Tanh(), nn.Linear(8, 1))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(120):
        opt.zero_grad()
        losses = nn.functional.binary_cross_entropy_with_logits(model(xs[train]).squeeze(1), y[train], reduction="none")
        (losses * weight).sum().backward()
        opt.step()
    with torch.no_grad():
        pred = (torch.sigmoid(model(xs[test]).squeeze(1)) > 0.5).float()
    tpr = (pred[y[test] == 1] == 1).float().mean()
    tnr = (pred[y[test] == 0] == 0).float().mean()
    return float((tpr + tnr) / 2)
''')),
    # ------------------------------------------------------------------ mistakes
    mistake("scores_its_own_training_rows", mentions=("accuracy_on_training_data",),
            fails=("test_detector_behaviour",),
            origin="https://github.com/Naresh1318/GenderClassifier/issues/1",
            detector_accuracy=_detector('''\
    real = real.reshape(len(real), -1).float()
    fake = fake.reshape(len(fake), -1).float()
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    x = (x - x.mean(0)) / (x.std(0) + 1e-6)
    torch.manual_seed(seed)
    model = nn.Linear(x.shape[1], 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    for _ in range(150):
        opt.zero_grad()
        nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(1), y).backward()
        opt.step()
    with torch.no_grad():
        pred = (model(x).squeeze(1) > 0).float()
    return (pred == y).float().mean().item()                    # accuracy on the rows it trained on
''')),
    mistake("plain_accuracy_on_unequal_samples", mentions=("unbalanced_not_half",),
            fails=("test_detector_behaviour",),
            origin="https://github.com/dotnet/machinelearning-modelbuilder/issues/1996",
            detector_accuracy=_detector(_PREP + _TRAIN + '''\
    return (pred == y[test]).float().mean().item()              # plain accuracy: 77% for "always real" on 1000 vs 300
''')),
    mistake("split_without_shuffling", mentions=("not shuffled",),
            detector_accuracy=_detector(_PREP.replace("order = torch.randperm(len(x), generator=g)",
                                                      "order = torch.arange(len(x))") + _TRAIN + _BALANCED.replace(
                "return 0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()",
                "return hits.mean().item()"))),
    mistake("standardises_each_sample_on_its_own", mentions=("shifted_not_detected",),
            origin="https://github.com/deepchem/deepchem/issues/51",
            detector_accuracy=_detector('''\
    real = real.reshape(len(real), -1).float()
    fake = fake.reshape(len(fake), -1).float()
    real = (real - real.mean(0)) / (real.std(0) + 1e-6)         # each sample scaled by its own statistics
    fake = (fake - fake.mean(0)) / (fake.std(0) + 1e-6)
    x = torch.cat([real, fake])
    y = torch.cat([torch.ones(len(real)), torch.zeros(len(fake))])
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=g)
    train, test = order[: len(x) // 2], order[len(x) // 2:]
    xs = x
''' + _TRAIN.split("    xs = (x - mean) / std\n")[1] + _BALANCED)),
    mistake("returns_a_percentage", mentions=("output_out_of_range",),
            detector_accuracy=_detector(_PREP + _TRAIN + '''\
    hits = (pred == y[test]).float()
    return 100 * 0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()
''')),
    mistake("error_rate_instead_of_accuracy", mentions=("inverted_labels",),
            detector_accuracy=_detector(_PREP + _TRAIN + '''\
    wrong = (pred != y[test]).float()
    return 0.5 * (wrong[y[test] == 1].mean() + wrong[y[test] == 0].mean()).item()
''')),
    mistake("standardises_the_callers_tensors_in_place", mentions=("mutates_inputs",),
            detector_accuracy=_detector('''\
    both = torch.cat([real, fake])
    real -= both.mean()                                          # changes the caller's tensors
    fake -= both.mean()
''' + _PREP + _TRAIN + _BALANCED)),
    mistake("assumes_two_dimensional_input", mentions=("bad_1d_input",),
            detector_accuracy=_detector('''\
    d = real.shape[1]                                            # IndexError for (n,) tensors
''' + _PREP + _TRAIN + _BALANCED)),
    mistake("hands_in_the_course_metric", mentions=("used_reference",),
            detector_accuracy=_detector('''\
    from aml_gan.metrics import two_sample_accuracy
    return two_sample_accuracy(real, fake, seed=seed)
''')),
    # ------------------------------------------------------------------ issue 21
    # The grader has no scikit-learn: its answer cell fails there, so the tests meet no detector
    # (NameError). Where scikit-learn is installed the visible check says "library_not_on_grader"
    # (tests/test_two_sample.py runs that with a stand-in package).
    mistake("scikit_learn_detector", mentions=("NameError",),
            detector_accuracy="""\
from sklearn.linear_model import LogisticRegression


def detector_accuracy(real, fake, seed=0):
    import numpy as np
    r = real.reshape(len(real), -1).numpy()
    f = fake.reshape(len(fake), -1).numpy()
    x = np.concatenate([r, f])
    y = np.concatenate([np.ones(len(r)), np.zeros(len(f))])
    order = np.random.default_rng(seed).permutation(len(x))
    train, test = order[: len(x) // 2], order[len(x) // 2:]
    model = LogisticRegression().fit(x[train], y[train])
    pred = model.predict(x[test])
    hits = pred == y[test]
    return float(0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()))
"""),
    mistake("adds_the_two_accuracies", mentions=("output_out_of_range", "/ 2"),
            detector_accuracy=_detector(_PREP + _TRAIN + '''\
    hits = (pred == y[test]).float()
    return (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()   # forgot the / 2
''')),
    mistake("compares_a_column_with_a_row", mentions=("shifted_not_detected", "broadcast"),
            detector_accuracy=_detector(_PREP + _TRAIN.replace("pred = (model(xs[test]).squeeze(1) > 0).float()",
                                                              "pred = (model(xs[test]) > 0).float()   # (k, 1)") + '''\
    hits = (pred == y[test]).float()                             # (k, 1) == (k,) broadcasts to (k, k)
    return 0.5 * (hits[y[test] == 1].mean() + hits[y[test] == 0].mean()).item()
''')),
    mistake("argmax_over_one_column", mentions=("argmax",),
            detector_accuracy=_detector(_PREP + _TRAIN.replace("pred = (model(xs[test]).squeeze(1) > 0).float()",
                                                              "pred = model(xs[test]).argmax(dim=1).float()") + _BALANCED)),
    mistake("bce_loss_on_raw_scores", mentions=("raised", "BCEWithLogitsLoss"),
            detector_accuracy=_detector(_PREP + _TRAIN.replace(
                "nn.functional.binary_cross_entropy_with_logits(model(xs[train]).squeeze(1), y[train]).backward()",
                "nn.BCELoss()(model(xs[train]).squeeze(1), y[train]).backward()") + _BALANCED)),
]

# Through real nbgrader: the grader without scikit-learn (the answer cell fails there).
THROUGH_NBGRADER = ["scikit_learn_detector"]
