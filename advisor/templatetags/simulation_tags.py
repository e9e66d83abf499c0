"""What a finished simulation found, for the pages that show an assessment."""
from django import template

from advisor.selectors import simulation_for_assessment
from advisor.simulations import simulation_findings as findings_of

register = template.Library()


@register.simple_tag
def simulation_findings(assessment, run=None) -> dict:
    """``{% simulation_findings assessment run as sim %}``: ``sim.run`` and ``sim.findings``.

    ``run`` is the simulation the page already holds; without it, the newest finished
    simulation of the assessment's profile version (the one its charts and PDF use).
    """
    if not assessment:
        return {"run": None, "findings": []}
    run = run or simulation_for_assessment(assessment=assessment)
    return {"run": run, "findings": findings_of(run=run, advice=assessment.result)}


@register.simple_tag
def run_findings(run) -> list[dict]:
    """``{% run_findings run as findings %}``: a run's findings about the newest assessment of its profile."""
    return findings_of(run=run) if run else []
