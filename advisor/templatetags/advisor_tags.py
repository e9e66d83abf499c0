from django import template

from placement.placements import label

register = template.Library()


@register.filter
def placement_label(placement_id: str | None) -> str:
    return label(placement_id) if placement_id else "—"
