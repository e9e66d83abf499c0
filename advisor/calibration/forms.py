"""The calibration page's upload: one or more exported files."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings

from placement.profile import FIELDS_BY_NAME

ACCEPT = ".csv,.json,.txt,.log,text/csv,application/json,text/plain"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field: Django's documented pattern for ``<input multiple>``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single_file_clean = super().clean
        if isinstance(data, list | tuple):
            return [single_file_clean(item, initial) for item in data] or [single_file_clean(None, initial)]
        return [single_file_clean(data, initial)]


class CalibrationUploadForm(forms.Form):
    # The metaclass takes declared fields off the class, so this does not hide Form.files at run time.
    files = MultipleFileField(  # type: ignore[assignment]
        label="Exported usage files",
        help_text="Lambda REPORT logs, CloudWatch metric CSVs, a Cost and Usage Report or a Cost Explorer CSV; "
        "several at once.",
        error_messages={"required": "Choose at least one exported file."},
    )

    def clean_files(self) -> list[Any]:
        files = self.cleaned_data["files"]
        total = sum(upload.size for upload in files)
        if total > settings.CALIBRATION_MAX_BYTES:
            raise forms.ValidationError(
                f"The files come to {total:,} bytes; at most {settings.CALIBRATION_MAX_BYTES:,} "
                "(CALIBRATION_MAX_BYTES) are read at once."
            )
        return files

    def exports(self) -> list[tuple[str, bytes]]:
        return [(upload.name, upload.read()) for upload in self.cleaned_data["files"]]


class CalibrationSaveForm(forms.Form):
    """What the results page posts back: the version measured against and the measured values."""

    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    changes = forms.CharField(widget=forms.HiddenInput)

    def clean_changes(self) -> dict[str, Any]:
        try:
            changes = json.loads(self.cleaned_data["changes"])
        except ValueError:
            raise forms.ValidationError("The measured values are not valid JSON.") from None
        if not isinstance(changes, dict) or not changes or not set(changes) <= set(FIELDS_BY_NAME):
            raise forms.ValidationError("The measured values must name profile fields.")
        return changes
