"""Account forms (WTForms via Flask-WTF, so every one carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

MIN_PASSWORD = 10


def strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value



class LoginForm(FlaskForm):
    email = EmailField("Email", filters=[strip],
                       validators=[DataRequired(), Email(check_deliverability=False)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")


def _new_password(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200,
                                           message=f"Use at least {MIN_PASSWORD} characters.")],
    )


class _NewPasswordMixin:
    password = _new_password()
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )


class SignupForm(_NewPasswordMixin, FlaskForm):
    workspace = StringField("Workspace name", filters=[strip], validators=[DataRequired(), Length(max=120)],
                            description="Usually your company or product.")
    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", filters=[strip],
                       validators=[DataRequired(), Email(check_deliverability=False)])


class AcceptInviteForm(_NewPasswordMixin, FlaskForm):
    name = StringField("Your name", filters=[strip], validators=[DataRequired(), Length(max=120)])


class PasswordChangeForm(_NewPasswordMixin, FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    password = _new_password("New password")
