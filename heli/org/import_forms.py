"""The forms of the registry import: the upload, and the confirmation of a role import."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from heli.lib.sheets import too_large_problem


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "class": "form-control",
            }
        ),
        error_messages={"required": _("Choose the filled-in template (.xlsx) to upload.")},
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # Checked before anything opens the file: a large upload is refused unread.
        if upload.size is not None and upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(too_large_problem(settings.IMPORT_MAX_BYTES).reason)
        return upload


class ConfirmForm(forms.Form):
    """Names the preview being confirmed: a confirmation applies that preview or nothing."""

    token = forms.CharField(max_length=64, widget=forms.HiddenInput)
