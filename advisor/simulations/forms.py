"""The form that starts a simulation run; its bounds are the engine's (``placement.simulation``)."""

from __future__ import annotations

from django import forms

from placement import simulation


class SimulationForm(forms.Form):
    paths = forms.IntegerField(
        label="Paths",
        min_value=1,
        max_value=simulation.MAX_PATHS,
        initial=simulation.DEFAULT_PATHS,
        help_text="simulated months of traffic",
    )
    seed = forms.IntegerField(
        label="Seed",
        min_value=0,
        max_value=simulation.MAX_SEED,
        required=False,
        help_text="blank: a random one, recorded with the run",
    )
