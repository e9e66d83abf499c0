from django import template

from placement.placements import label

register = template.Library()


@register.filter
def placement_label(placement_id: str | None) -> str:
    return label(placement_id) if placement_id else "—"


@register.simple_tag
def plotly_js() -> str:
    """URL of the plotly.js bundle, named once in advisor.charts.PLOTLY_JS."""
    from django.templatetags.static import static

    from advisor.charts import PLOTLY_JS
    return static(PLOTLY_JS)
