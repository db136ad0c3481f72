"""Onboarding's models, one module per area (applications, training, contracts …).

Each area's module is imported here so Django finds its models.
"""

from .applications import (  # noqa: F401
    OPEN_APPLICATION_STATUSES,
    ApplicationMessage,
    ApplicationStatus,
    IdealPartnerProfile,
    PartnerApplication,
)
from .checklists import *  # noqa: F403
from .contracts import *  # noqa: F403
from .offboarding import Offboarding  # noqa: F401
from .screening import *  # noqa: F403
from .sequences import *  # noqa: F403
from .training import (  # noqa: F401
    Certification,
    Choice,
    Course,
    CourseStatus,
    Enrolment,
    LearningPath,
    Module,
    ModuleCompletion,
    PathCourse,
    Question,
    QuestionKind,
    QuizAttempt,
)
