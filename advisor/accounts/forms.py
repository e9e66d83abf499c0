"""The intake form, generated from ``placement.profile.FIELDS``.

The form only decodes what a browser sends (every value arrives as a string)
into the JSON types the profile contract speaks; ``parse_profile`` alone
decides what is valid, so the form, the API and the CLI can never disagree.
A blank nullable field means null; a blank optional field means "use the
documented default".
"""

from __future__ import annotations

from django import forms


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What will use it, so you can tell your tokens apart, e.g. intake-bot.",
    )
