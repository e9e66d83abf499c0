"""The intake form, generated from ``placement.profile.FIELDS``.

The form only decodes what a browser sends (every value arrives as a string)
into the JSON types the profile contract speaks; ``parse_profile`` alone
decides what is valid, so the form, the API and the CLI can never disagree.
A blank nullable field means null; a blank optional field means "use the
documented default".
"""

from __future__ import annotations

from django import forms


class PortfolioImportForm(forms.Form):
    """The import page: a file and, with no default, what to do with invalid rows."""

    file = forms.FileField(label="Portfolio file", help_text="CSV or JSON, up to 10,000 workloads.")
    mode = forms.ChoiceField(
        label="If some rows are invalid",
        widget=forms.RadioSelect,
        choices=(
            ("all_or_nothing", "Store nothing: every row must be valid"),
            ("valid_rows", "Store the valid rows and list the others"),
        ),
        error_messages={"required": "Choose what happens when some rows are invalid."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".json")):
            raise forms.ValidationError("Choose a .csv or .json file.")
        return upload

    @property
    def file_format(self) -> str:
        return self.cleaned_data["file"].name.rsplit(".", 1)[-1].lower()
