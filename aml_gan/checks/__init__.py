"""Grading checks used by the notebooks' test cells. Each returns a Report (see report.py)."""
from .report import Problem, Report  # noqa: F401
from .. import reference as _reference  # noqa: F401  (sealed below with the checks)
from .two_sample import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .train_step import *  # noqa: F401,F403
from .training_loop import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .dcgan import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .games import *  # noqa: F401,F403
from .wasserstein import *  # noqa: F401,F403

# Test cells import the checks afresh; a student's cell cannot patch them by assignment.
import sys as _sys  # noqa: E402

from ..sealed import seal_module as _seal_module  # noqa: E402

for _name in [n for n in _sys.modules if n == __name__ or n.startswith(__name__ + ".")] + ["aml_gan.reference"]:
    _seal_module(_name)
