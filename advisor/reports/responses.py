"""The PDF download, the same from the page and the API (neither door imports the other)."""

from django.http import HttpResponse

from advisor.models import Report
from advisor.reports import services as reports


def pdf_response(report: Report) -> HttpResponse:
    if report.pdf is None:  # callers answer with a ready report only
        raise ValueError("The report has no PDF yet.")
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{reports.report_filename(report.assessment)}"'
    response["Content-Length"] = str(len(response.content))
    # Private to the team, and replaced when a newer simulation is included.
    response["Cache-Control"] = "private, no-cache"
    return response
