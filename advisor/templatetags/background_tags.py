"""``retry_notice``: what a progress partial says instead of "running" for work nobody works on."""

from django import template

from advisor import jobs as background

register = template.Library()


@register.filter
def retry_notice(work) -> str:
    return background.retry_notice(work) if work else ""
