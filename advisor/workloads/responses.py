"""The SAM template download, the same from the page and the API (neither door imports the other)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.text import slugify

from advisor.models import Assessment
from advisor.workloads import services


def template_response(assessment: Assessment | None) -> HttpResponse:
    """The assessment's recommended split as an AWS SAM template, as an attachment."""
    if assessment is None:
        raise Http404("This workload has no assessment to export.")
    body = services.assessment_template(assessment=assessment).encode()
    name = slugify(assessment.workload.name) or "workload"
    response = HttpResponse(body, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-v{assessment.profile_version}-sam.yaml"'
    response["Content-Length"] = str(len(body))
    response["Cache-Control"] = "private, no-cache"  # the team's own, and replaced by the next assessment
    return response
