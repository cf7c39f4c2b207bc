"""All models, importable from one place (Alembic's autogenerate needs them loaded)."""

# Area modules (each defines its own tables; import their classes from the module).
from surveyapp.models import (  # noqa: F401,E402
    consent,
    experiments,
    insights,
    integrations,
    personalization,
    recommend,
    research,
    research_search,
    segments,
)
from surveyapp.models.analysis import AnswerAnnotation, TextAnalysis
from surveyapp.models.apikey import ApiKey
from surveyapp.models.audit import AuditEvent
from surveyapp.models.base import Base, utcnow
from surveyapp.models.contact import ConsentState, Contact
from surveyapp.models.event import Event
from surveyapp.models.job import Job, JobStatus
from surveyapp.models.response import Display, Response
from surveyapp.models.survey import (
    ImmutableVersionError,
    Survey,
    SurveyKind,
    SurveyStatus,
    SurveyVersion,
)
from surveyapp.models.user import Invitation, Membership, Role, User, UserSession, hash_token
from surveyapp.models.workspace import ConsentMode, Environment, Workspace

__all__ = [
    "AnswerAnnotation", "ApiKey", "AuditEvent", "TextAnalysis", "Base", "ConsentMode", "ConsentState", "Contact", "Display", "Environment", "Event",
    "ImmutableVersionError", "Invitation", "Job", "JobStatus", "Membership", "Response",
    "Role", "Survey", "SurveyKind", "SurveyStatus", "SurveyVersion", "User", "UserSession", "Workspace",
    "hash_token", "utcnow",
]
