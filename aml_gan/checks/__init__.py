"""Grading checks used by the notebooks' test cells. Each returns a Report (see report.py)."""
from .report import Problem, Report  # noqa: F401
from .two_sample import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .train_step import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .dcgan import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .games import *  # noqa: F401,F403
from .wasserstein import *  # noqa: F401,F403
