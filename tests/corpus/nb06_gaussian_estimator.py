"""Notebook 06 (the world's most inefficient estimator): student answers to ``implied_gaussian``."""
from __future__ import annotations

from . import correct, mistake

ASSIGNMENT = "06_gaussian_estimator"
EXERCISES = {
    "implied_gaussian": ("test_implied_gaussian", "test_implied_gaussian_shapes"),
}

_HEAD = '''def implied_gaussian(generator):
    """Mean (d,) and covariance (d, d) of generator(z) for z ~ N(0, I).

    generator: nn.Sequential whose only layer, generator[0], is an nn.Linear(k, d).
    Returns (mean, cov), two torch tensors detached from the generator's parameters.
    """
'''


def _answer(body: str) -> str:
    return _HEAD + body


SUBMISSIONS = [
    # ------------------------------------------------------------------ correct styles
    correct(
        "mm_and_t",
        implied_gaussian=_answer('''    W = generator[0].weight.detach()
    b = generator[0].bias.detach()
    return b.clone(), torch.mm(W, W.t())
'''),
    ),
    correct(
        "einsum_float64",  # in double precision, with einsum
        implied_gaussian=_answer('''    with torch.no_grad():
        W = generator[0].weight.double()
        mean = generator[0].bias.double().clone()
        cov = torch.einsum("ik,jk->ij", W, W)
    return mean, cov
'''),
    ),
    correct(
        "find_the_linear_layer_state_dict",  # reads the weights from the state dict
        implied_gaussian=_answer('''    state = generator.state_dict()
    weight = state["0.weight"]
    bias = state["0.bias"]
    return bias.clone(), weight @ weight.transpose(0, 1)
'''),
    ),
    correct(
        "attached_tensors_warned_only",  # forgets to detach: a warning, no lost points
        implied_gaussian=_answer('''    layer = generator[0]
    return layer.bias, layer.weight @ layer.weight.T
'''),
    ),
    # ------------------------------------------------------------------ mistakes
    mistake(
        "wt_w_order",  # the row-vector formula A^T A of the data, applied to torch's weight
        mentions=("cov_transposed",),
        origin="https://obsidian-public.vercel.app/3-ressources/math/linear-algebra/variance-covariance-matrix",
        implied_gaussian=_answer('''    W = generator[0].weight.detach()
    return generator[0].bias.detach().clone(), W.T @ W
'''),
    ),
    mistake(
        "sampled_estimate",  # estimates from samples instead of reading the weights
        mentions=("mean_approximate",),
        fails=("test_implied_gaussian", "test_implied_gaussian_shapes"),
        implied_gaussian=_answer('''    with torch.no_grad():
        x = generator(torch.randn(20000, generator[0].in_features))
    return x.mean(dim=0), torch.cov(x.T)
'''),
    ),
    mistake(
        "forgets_the_bias",  # the noise has mean zero, so the mean "must be" zero
        mentions=("mean_missing_bias",),
        implied_gaussian=_answer('''    W = generator[0].weight.detach()
    return torch.zeros(W.shape[0]), W @ W.T
'''),
    ),
    mistake(
        "second_moment",  # E[x x^T]: the bias's outer product left in
        mentions=("cov_second_moment",),
        implied_gaussian=_answer('''    b = generator[0].bias.detach()
    W = generator[0].weight.detach()
    return b.clone(), torch.outer(b, b) + W @ W.T
'''),
    ),
    mistake(
        "covariance_of_the_weights",  # torch.cov of the weight matrix, as if its rows were data
        mentions=("cov_wrong",),
        implied_gaussian=_answer('''    layer = generator[0]
    return layer.bias.detach().clone(), torch.cov(layer.weight.detach())
'''),
    ),
    mistake(
        "data_moments",  # returns the data's true moments (b and A^T A), not the generator's
        mentions=("mean_is_data",),
        implied_gaussian=_answer('''    A = torch.tensor([[1.0, 2.0], [-0.1, 0.5]])
    b = torch.tensor([1.0, 2.0])
    return b, A.T @ A
'''),
    ),
    mistake(
        "numpy_arrays",  # converts to NumPy to do the maths
        mentions=("returns_wrong_type",),
        implied_gaussian=_answer('''    W = generator[0].weight.detach().numpy()
    b = generator[0].bias.detach().numpy()
    return b.copy(), W @ W.T
'''),
    ),
    mistake(
        "in_place_squares",  # variances only, squaring the generator's own weight in place
        mentions=("mutates_inputs",),
        implied_gaussian=_answer('''    W = generator[0].weight.data
    variances = W.pow_(2).sum(dim=1)
    return generator[0].bias.data.clone(), torch.diag(variances)
'''),
    ),
    mistake(
        "hard_coded_two_by_two",  # element by element for 2 x 2 only: fails other shapes
        mentions=("cov_wrong",),
        fails=("test_implied_gaussian_shapes",),
        implied_gaussian=_answer('''    W = generator[0].weight.detach()
    b = generator[0].bias.detach()
    cov = torch.zeros(2, 2)
    for i in range(2):
        for j in range(2):
            cov[i, j] = W[i, 0] * W[j, 0] + W[i, 1] * W[j, 1]
    return b.clone(), cov
'''),
    ),
    mistake(
        "returns_cov_then_mean",
        mentions=("outputs_swapped",),
        implied_gaussian=_answer('''    W = generator[0].weight.detach()
    return W @ W.T, generator[0].bias.detach().clone()
'''),
    ),
    # ------------------------------------------------------------------ issue 21/26
    mistake(
        "squeezed_weight",  # .squeeze() on W: fine for most shapes, a dot product when the noise has size 1
        mentions=("cov_shape",),
        fails=("test_implied_gaussian_shapes",),
        implied_gaussian=_answer('''    W = generator[0].weight.detach().squeeze()
    b = generator[0].bias.detach().squeeze()
    return b.clone(), W @ W.T
'''),
    ),
    mistake(
        "uses_global_G",  # reads the notebook's trained G instead of its argument
        mentions=("ignores_input",),
        implied_gaussian=_answer('''    W = G[0].weight.detach()
    return G[0].bias.detach().clone(), W @ W.T
'''),
    ),
]

# Issue 26: the squeezed weight (visible green, hidden zero before) through real nbgrader.
THROUGH_NBGRADER = ["squeezed_weight"]
