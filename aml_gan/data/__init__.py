"""Data for every notebook: sequences, Gaussians, 2-D mixtures and pet images."""
from .sequences import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .mixtures import *  # noqa: F401,F403
from .pets import *  # noqa: F401,F403
