from __future__ import annotations

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from surveyapp.auth.forms import strip
from surveyapp.models import ConsentMode, Role

ROLE_CHOICES = [SelectChoice(r.value, f"{r.label} — {r.description}") for r in Role]


class InviteForm(FlaskForm):
    email = EmailField("Email", filters=[strip],
                       validators=[DataRequired(), Email(check_deliverability=False)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.RESEARCHER.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.label) for r in Role])


class ApiKeyForm(FlaskForm):
    name = StringField("Key name", validators=[DataRequired(), Length(max=120)],
                       description="Where it will be used, e.g. “data warehouse sync”.")


CONSENT_CHOICES = [
    SelectChoice(ConsentMode.NOT_REQUIRED.value,
                 "Not required — store answers and events (Do-Not-Track is still honoured)"),
    SelectChoice(ConsentMode.TRACKING_ONLY.value,
                 "Required for behavioural tracking — answers are stored, events need consent"),
    SelectChoice(ConsentMode.REQUIRED.value, "Required before anything is stored"),
]


class WorkspaceSettingsForm(FlaskForm):
    name = StringField("Workspace name", filters=[strip],
                       validators=[DataRequired(), Length(max=120)])
    recontact_days = IntegerField(
        "Recontact wait (days)", validators=[InputRequired(), NumberRange(min=0, max=365)],
        description="Minimum days between two surveys shown to the same person, across all "
                    "surveys (a survey may set its own wait).",
    )
    consent_mode = SelectField("Consent", choices=CONSENT_CHOICES,
                               description="What the widget may store before a person consents.")


def parse_origins(text: str) -> list[str]:
    """One origin per line (https://shop.example or http://localhost:3000)."""
    origins = []
    for line in text.replace(",", "\n").splitlines():
        origin = line.strip().rstrip("/")
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            raise ValueError(f"“{origin}” is not an origin like https://shop.example")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return sorted(set(origins))


class OriginsForm(FlaskForm):
    origins = TextAreaField(
        "Allowed origins", filters=[lambda v: v or ""],
        description="One per line, e.g. https://shop.example. Leave empty to accept any site.",
    )

    def validate_origins(self, field: TextAreaField) -> None:
        try:
            parse_origins(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class EmptyForm(FlaskForm):
    """For buttons that only POST (with CSRF)."""
