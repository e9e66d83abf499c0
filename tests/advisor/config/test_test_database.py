"""The suite's own database: one per run, so two suites on one machine never collide."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_each_run_has_a_test_database_of_its_own(request):
    if request.config.getvalue("reuse_db") or connection.vendor == "sqlite":
        pytest.skip("a reused or in-memory database keeps its plain name")
    assert connection.settings_dict["NAME"].endswith(f"_{os.getpid()}")
