"""Numbers that say whether a GAN learned: two-sample accuracy, sequence validity and coverage, moments, modes."""
from .two_sample import *  # noqa: F401,F403
from .sequences import *  # noqa: F401,F403
from .moments import *  # noqa: F401,F403
from .modes import *  # noqa: F401,F403
