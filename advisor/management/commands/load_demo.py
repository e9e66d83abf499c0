"""``manage.py load_demo``: demo teams, users and the ten worked cases of DOMAIN.md.

Idempotent: running it again changes nothing that exists (passwords aside, when
--password is given). The demo password is public, so a production instance
(DEBUG off) refuses it and needs --password.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from advisor.accounts import services as account_services
from advisor.models import Membership, Team, Workload
from advisor.workloads import services
from placement.wording import plural

DEMO_DATA = Path(__file__).resolve().parents[2] / "demo" / "workloads.json"
KNOWN_PASSWORD = "placement-demo"

USERS = (
    # username, team slug, role
    ("demo", "demo-team", Membership.Role.OWNER),
    ("viewer", "demo-team", Membership.Role.VIEWER),
    ("other", "other-team", Membership.Role.OWNER),
)
TEAMS = {"demo-team": ("Demo team", "demo_team"), "other-team": ("Other team", "other_team")}


class Command(BaseCommand):
    help = "Create the demo teams, users and workloads (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help=f"Password for the demo users (default {KNOWN_PASSWORD!r}, refused when DEBUG is off).",
        )

    def handle(self, *args, password: str | None, **options):
        if not settings.DEBUG and password in (None, KNOWN_PASSWORD):
            raise CommandError(
                "DEBUG is off: the published demo password is refused here. "
                "Pass --password with a password of your own."
            )
        data = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
        with transaction.atomic():
            teams = {
                slug: Team.objects.get_or_create(slug=slug, defaults={"name": name})[0]
                for slug, (name, _) in TEAMS.items()
            }
            users = {name: self._user(name, password) for name, _, _ in USERS}
            for name, slug, role in USERS:
                account_services.team_membership_ensure(user=users[name], team=teams[slug], role=role)
            created = 0
            for slug, (_, key) in TEAMS.items():
                owner = next(users[n] for n, s, r in USERS if s == slug and r == "owner")
                for case in data[key]:
                    created += self._workload(teams[slug], owner, case["profile"])
        shown = password or KNOWN_PASSWORD
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {plural(created, 'workload')} created, "
                f"{Workload.objects.filter(team__slug__in=TEAMS).count()} in the demo teams."
            )
        )
        self.stdout.write(
            f"Sign in at /accounts/login/ as demo / {shown} (owner of Demo team), "
            f"viewer / {shown} (read-only), other / {shown} (Other team)."
        )

    def _user(self, username: str, password: str | None):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created or password:
            user.set_password(password or KNOWN_PASSWORD)
            user.save(update_fields=["password"])
        return user

    @staticmethod
    def _workload(team: Team, owner, profile: dict) -> int:
        if Workload.objects.filter(team=team, name__iexact=profile["name"]).exists():
            return 0
        services.workload_create(user=owner, team=team, profile_data=profile)
        return 1
