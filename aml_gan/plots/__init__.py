"""Figures: loss curves, sample grids, scatter plots, and each notebook's own figures."""
from .common import *  # noqa: F401,F403
from .motivation import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
from .games import *  # noqa: F401,F403
from .modes import *  # noqa: F401,F403
from .pets import *  # noqa: F401,F403
