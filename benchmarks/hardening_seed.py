# Run with manage.py shell < seed.py : two teams, owner/viewer in A, owner in B; prints tokens as JSON.
import json
import os

from django.contrib.auth import get_user_model

from advisor.accounts import services as account_services
from advisor.models import Membership, Team

out = {}
for slug, users in (
    ("alpha", (("a_owner", "owner"), ("a_viewer", "viewer"))),
    ("beta", (("b_owner", "owner"),)),
):
    team, _ = Team.objects.get_or_create(slug=slug, defaults={"name": slug.title()})
    for name, role in users:
        user = get_user_model().objects.filter(username=name).first() or get_user_model().objects.create_user(
            username=name, password="probe-pw-" + name
        )
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})
        out[name] = account_services.api_token_create(user=user, name="probe")[1]
        out[name + "_team"] = team.pk
open(os.path.join(os.environ.get("PROBE_DIR", "/tmp/probe"), "tokens.json"), "w").write(json.dumps(out))
print(json.dumps(out))
