"""The workloads export as a download, the same from the page and the API."""

from django.http import HttpResponse

from advisor.portfolio import imports


def workloads_file_response(*, team, file_format: str) -> HttpResponse:
    """The export as a download, shared by the API and the page."""
    content_type = "text/csv; charset=utf-8" if file_format == "csv" else "application/json"
    response = HttpResponse(
        imports.workloads_export(team=team, file_format=file_format), content_type=content_type
    )
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-workloads.{file_format}"'
    return response
