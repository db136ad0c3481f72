"""tcma's models, one module per area; everything is importable from `tcma.models`."""

from .announcements import *  # noqa: F403
from .audience import *  # noqa: F403
from .campaigns import *  # noqa: F403
from .cobrand import *  # noqa: F403
from .content import *  # noqa: F403
from .engagement import *  # noqa: F403
from .events import *  # noqa: F403
from .outreach import *  # noqa: F403
from .syndication import *  # noqa: F403
