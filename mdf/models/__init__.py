"""mdf's models, one module per area; everything is importable from `mdf.models`."""

from .accruals import *  # noqa: F403
from .claims import *  # noqa: F403
from .funds import *  # noqa: F403
from .incentives import *  # noqa: F403
