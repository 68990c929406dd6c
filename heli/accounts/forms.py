"""Forms of the account pages: people, roles, passwords, one-time codes, the security policy."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from heli.accounts.models import Role, SecurityPolicy
from heli.org.models import Department, Unit


class PeopleFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("active", _("Active")),
        ("disabled", _("Disabled")),
        ("locked", _("Locked after failed sign-ins")),
        ("must_change", _("Must change password")),
    ]

    q = forms.CharField(label=_("Name or username"), required=False, max_length=50)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field = cast(forms.ModelChoiceField, self.fields["unit"])
        unit_field.queryset = units
        unit_field.empty_label = _("All units")
        role_field = cast(forms.ChoiceField, self.fields["role"])
        role_field.choices = [("", _("All roles")), *Role.choices]


class AccountForm(forms.Form):
    """A new account: the sysadmin names the person; roles are the secadmin's to grant."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and @ . + - _ only; used to sign in."),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)


class RoleGrantForm(forms.Form):
    """A role and, for the roles that need one, its department or unit."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("For committee department staff."),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=Unit.objects.none(),
        required=False,
        help_text=_("For the unit roles."),
    )

    def __init__(self, *args: Any, committee: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = cast(forms.ModelChoiceField, self.fields["department"])
        department.queryset = Department.objects.filter(committee=committee)
        unit = cast(forms.ModelChoiceField, self.fields["unit"])
        unit.queryset = Unit.objects.filter(committee=committee, status=Unit.Status.ACTIVE)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.choices = [("", "---------"), *Role.choices]


class PasswordChangeForm(DjangoPasswordChangeForm):
    """Old password once, new password twice; the committee's rules apply to the new one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The page lists the rules of the person's own committee beside the form.
        self.fields["new_password1"].help_text = ""


class DisplayForm(forms.Form):
    """A person's own display settings: larger text (适老化)."""

    large_text = forms.BooleanField(
        label=_("Larger text"),
        required=False,
        help_text=_(
            "Every page in larger type, on every computer and phone you sign in on, "
            "until you turn it off here."
        ),
    )


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app."""

    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class RemoveDeviceForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ReplaceDeviceForm(forms.Form):
    """A new device in place of the old one: the password again, and the new device's code."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.RegexField(
        label=_("Six-digit code from the new device"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class ConfirmSignInForm(forms.Form):
    """The code a waiting sign-in shows, as its owner reads it out."""

    code = forms.RegexField(
        label=_("Code the person reads out"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits the person reads from their screen.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class SecurityPolicyForm(forms.ModelForm):
    class Meta:
        model = SecurityPolicy
        fields = list(SecurityPolicy.EDITABLE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A baseline with one allowed value: shown, never taken from the request.
        self.fields["otp_required_for_admins"].disabled = True
