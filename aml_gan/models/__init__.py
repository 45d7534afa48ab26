"""Networks: dense (sequence GAN), DCGAN, and the linear/tanh pair of notebook 06."""
from .dense import *  # noqa: F401,F403
from .dcgan import *  # noqa: F401,F403
from .gaussian import *  # noqa: F401,F403
