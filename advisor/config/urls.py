from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from advisor.accounts import views as views_tokens
from advisor.accounts.views import team_audit
from advisor.api.errors import ROUTE_NOT_FOUND, route_not_found
from advisor.calibration import views as calibration
from advisor.portfolio import views as views_imports
from advisor.portfolio import views as views_portfolio
from advisor.reports import views as views_reports
from advisor.simulations import views as simulation_views
from advisor.workloads import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workload-list", permanent=False)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("workloads/", views.workload_list, name="workload-list"),
    path("workloads/new/", views.workload_create, name="workload-create"),
    path("workloads/preview/", views.profile_preview, name="profile-preview"),
    path("workloads/<int:workload_id>/", views.workload_detail, name="workload-detail"),
    path("workloads/<int:workload_id>/edit/", views.workload_edit, name="workload-edit"),
    path("workloads/<int:workload_id>/what-if/", views.workload_whatif, name="workload-whatif"),
    path(
        "workloads/<int:workload_id>/what-if/save/", views.workload_whatif_save, name="workload-whatif-save"
    ),
    path("workloads/<int:workload_id>/delete/", views.workload_delete, name="workload-delete"),
    path("workloads/<int:workload_id>/assessments/", views.assessment_create, name="assessment-create"),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/",
        views.assessment_detail,
        name="assessment-detail",
    ),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/repatriation/",
        views.assessment_repatriation,
        name="assessment-repatriation",
    ),
    path("workloads/<int:workload_id>/report.pdf", views_reports.workload_report, name="workload-report"),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/report.pdf",
        views_reports.assessment_report,
        name="assessment-report",
    ),
    path("workloads/<int:workload_id>/template.yaml", views.workload_template, name="workload-template"),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/template.yaml",
        views.assessment_template,
        name="assessment-template",
    ),
    path("workloads/<int:workload_id>/calibrate/", calibration.workload_calibrate, name="workload-calibrate"),
    path(
        "workloads/<int:workload_id>/calibrate/save/",
        calibration.workload_calibration_save,
        name="workload-calibration-save",
    ),
    path("prices/", views.price_list, name="price-list"),
    path("account/tokens/", views_tokens.api_tokens, name="api-tokens"),
    path("account/tokens/<int:token_id>/revoke/", views_tokens.api_token_revoke, name="api-token-revoke"),
    path("portfolio/", views_portfolio.portfolio, name="portfolio"),
    path("teams/<int:team_id>/portfolio/", views_portfolio.team_portfolio, name="team-portfolio"),
    path("teams/<int:team_id>/portfolio.csv", views_portfolio.team_portfolio_csv, name="team-portfolio-csv"),
    path(
        "teams/<int:team_id>/portfolio.json", views_portfolio.team_portfolio_json, name="team-portfolio-json"
    ),
    path("teams/<int:team_id>/import/", views_imports.team_import, name="team-import"),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/",
        views_imports.team_import_detail,
        name="team-import-detail",
    ),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/progress/",
        views_imports.team_import_progress,
        name="team-import-progress",
    ),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/cancel/",
        views_imports.team_import_cancel,
        name="team-import-cancel",
    ),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/errors.csv",
        views_imports.team_import_errors_csv,
        name="team-import-errors-csv",
    ),
    path(
        "teams/<int:team_id>/workloads.csv",
        views_imports.team_workloads_file,
        {"file_format": "csv"},
        name="team-workloads-csv",
    ),
    path(
        "teams/<int:team_id>/workloads.json",
        views_imports.team_workloads_file,
        {"file_format": "json"},
        name="team-workloads-json",
    ),
    path("compare/", views_portfolio.compare, name="compare"),
    path("teams/<int:team_id>/audit/", team_audit, name="team-audit"),
    path(
        "workloads/<int:workload_id>/simulations/",
        simulation_views.simulation_create,
        name="simulation-create",
    ),
    path(
        "workloads/<int:workload_id>/simulations/<int:run_id>/",
        simulation_views.simulation_detail,
        name="simulation-detail",
    ),
    path(
        "workloads/<int:workload_id>/simulations/<int:run_id>/progress/",
        simulation_views.simulation_progress,
        name="simulation-progress",
    ),
    path(
        "workloads/<int:workload_id>/simulations/<int:run_id>/cancel/",
        simulation_views.simulation_cancel,
        name="simulation-cancel",
    ),
    path("api/v1/", include("advisor.config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="advisor/api_docs.html"),
        name="swagger-ui",
    ),
    # Last under /api/: JSON 404 even with DEBUG, which bypasses handler404.
    re_path(r"^api/", route_not_found, name=ROUTE_NOT_FOUND),
    path("admin/", admin.site.urls),
]

# JSON for an API URL that matches no route; the HTML 404 page elsewhere.
handler404 = "advisor.web.errors.not_found"
