"""Interactive ipywidgets demos (optional: import aml_gan.widgets explicitly)."""
from .two_sample import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .games import *  # noqa: F401,F403
