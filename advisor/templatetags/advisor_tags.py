from django import template

from placement.placements import label

register = template.Library()


@register.filter
def placement_label(placement_id: str | None) -> str:
    return label(placement_id) if placement_id else "—"


@register.simple_tag
def plotly_js() -> str:
    """URL of the plotly.js bundle, named once in advisor.presentation.charts.PLOTLY_JS."""
    from django.templatetags.static import static

    from advisor.presentation.charts import PLOTLY_JS

    return static(PLOTLY_JS)


@register.filter
def plural(count, word: str) -> str:
    """``{{ n|plural:"step" }}`` -> '1 step', '2 steps'; ``"mouse,mice"`` gives the plural too."""
    from placement.wording import plural as _plural

    singular, _, many = str(word).partition(",")
    return _plural(count, singular, many or None)


@register.filter
def choice_label(value, field: str) -> str:
    """``{{ profile.pattern|choice_label:"pattern" }}`` -> 'Business hours'."""
    from placement.wording import choice_label as _choice_label

    return _choice_label(field, value)


@register.filter
def profile_rows(profile: dict) -> list[dict[str, str]]:
    """A stored profile as labelled rows (label, value, unit), choice values by their labels."""
    from advisor.presentation.advice import profile_rows as _profile_rows

    return _profile_rows(profile or {})


@register.filter
def layer_label(placement_id: str | None, layer: str) -> str:
    """``{{ w.memory_placement|layer_label:"memory" }}``: 'DynamoDB', or 'Nothing to keep hot'."""
    from placement.wording import layer_label as _layer_label

    return _layer_label(layer, placement_id)
