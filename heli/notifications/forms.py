"""Forms of the notification pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from heli.notifications import registry
from heli.notifications.models import Channel, WebhookRobot


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Also send my notifications by email"), required=False)


class RobotForm(forms.ModelForm):
    """A group robot. The secret is never shown; left empty on edit, it is kept."""

    url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        help_text=_(
            "Copy it from the robot's settings in the group chat; it starts with https:// "
            "and leads to a server on the public internet."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk)"),
        max_length=200,
        required=False,
        strip=True,
        help_text=_(
            "Only for a DingTalk robot with the 'sign' security setting (starts with SEC). "
            "Leave empty to keep the one already saved."
        ),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(label=_("Remove the saved secret"), required=False)
    reminder_kinds = forms.MultipleChoiceField(
        label=_("Reminders it receives"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text=_("None ticked: every reminder meant for groups."),
    )

    class Meta:
        model = WebhookRobot
        fields = ["kind", "name", "url", "secret", "enabled", "reminder_kinds"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(k.code, str(k.label)) for k in registry.kinds()]
        field = cast(forms.MultipleChoiceField, self.fields["reminder_kinds"])
        field.choices = choices
        if self.instance.pk is None:
            del self.fields["clear_secret"]
        self._saved_secret = self.instance.secret if self.instance.pk else ""
        self.initial.pop("secret", None)

    def clean_url(self) -> str:
        # Where the address may lead is the model's rule (WebhookRobot.clean).
        url: str = self.cleaned_data["url"].strip()
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        secret = data.get("secret", "")
        if not secret and not data.get("clear_secret"):
            data["secret"] = self._saved_secret
        elif data.get("clear_secret"):
            data["secret"] = ""
        if kind == Channel.WECOM and data.get("secret"):
            raise ValidationError(
                {"secret": _("WeChat Work robots are not signed: leave the secret empty.")}
            )
        self.instance.secret = data.get("secret", "")
        return data


class EmptyForm(forms.Form):
    pass
