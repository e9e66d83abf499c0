from django.urls import path

from advisor.accounts.api import TokenObtainApi
from advisor.calibration.api import WorkloadCalibrateApi
from advisor.portfolio.api import (
    PortfolioApi,
    TeamImportCancelApi,
    TeamImportDetailApi,
    TeamImportListApi,
    TeamListApi,
    TeamWorkloadsCsvApi,
    TeamWorkloadsJsonApi,
)
from advisor.reports.api import AssessmentReportApi, WorkloadReportApi
from advisor.simulations import api as simulations
from advisor.workloads import api as workloads

urlpatterns = [
    path("workloads/", workloads.WorkloadListCreateApi.as_view(), name="api-workload-list"),
    path("workloads/<int:workload_id>/", workloads.WorkloadDetailApi.as_view(), name="api-workload-detail"),
    path(
        "workloads/<int:workload_id>/assessments/",
        workloads.AssessmentListApi.as_view(),
        name="api-assessment-list",
    ),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/",
        workloads.AssessmentDetailApi.as_view(),
        name="api-assessment-detail",
    ),
    path("workloads/<int:workload_id>/report.pdf", WorkloadReportApi.as_view(), name="api-workload-report"),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/report.pdf",
        AssessmentReportApi.as_view(),
        name="api-assessment-report",
    ),
    path(
        "workloads/<int:workload_id>/calibrate/",
        WorkloadCalibrateApi.as_view(),
        name="api-workload-calibrate",
    ),
    path(
        "workloads/<int:workload_id>/template.yaml",
        workloads.WorkloadTemplateApi.as_view(),
        name="api-workload-template",
    ),
    path(
        "workloads/<int:workload_id>/assessments/<int:assessment_id>/template.yaml",
        workloads.AssessmentTemplateApi.as_view(),
        name="api-assessment-template",
    ),
    path(
        "workloads/<int:workload_id>/simulations/",
        simulations.SimulationListApi.as_view(),
        name="api-simulation-list",
    ),
    path(
        "workloads/<int:workload_id>/simulations/<int:run_id>/",
        simulations.SimulationDetailApi.as_view(),
        name="api-simulation-detail",
    ),
    path(
        "workloads/<int:workload_id>/simulations/<int:run_id>/cancel/",
        simulations.SimulationCancelApi.as_view(),
        name="api-simulation-cancel",
    ),
    path("evaluate/", workloads.EvaluateApi.as_view(), name="api-evaluate"),
    path("teams/<int:team_id>/portfolio/", PortfolioApi.as_view(), name="api-team-portfolio"),
    path("teams/", TeamListApi.as_view(), name="api-team-list"),
    path("teams/<int:team_id>/imports/", TeamImportListApi.as_view(), name="api-team-import-list"),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/",
        TeamImportDetailApi.as_view(),
        name="api-team-import-detail",
    ),
    path(
        "teams/<int:team_id>/imports/<int:import_id>/cancel/",
        TeamImportCancelApi.as_view(),
        name="api-team-import-cancel",
    ),
    path("teams/<int:team_id>/workloads.csv", TeamWorkloadsCsvApi.as_view(), name="api-team-workloads-csv"),
    path(
        "teams/<int:team_id>/workloads.json", TeamWorkloadsJsonApi.as_view(), name="api-team-workloads-json"
    ),
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
]
