from urllib.parse import urlencode

from django import template
from django.utils.html import format_html

from clientela.common import phones

register = template.Library()


@register.simple_tag
def sort_link(column, label, query):
    """A column header that sorts by it, and reverses on a second click."""
    params = query.as_params()
    current = query.sort
    descending = current == column
    params["sort"] = f"-{column}" if descending else column
    arrow = " ↑" if current == column else " ↓" if current == f"-{column}" else ""
    aria = "ascending" if current == column else "descending" if current == f"-{column}" else "none"
    return format_html('<a href="?{}" aria-sort="{}">{}{}</a>', urlencode(params), aria, str(label).capitalize(),
                       arrow)


@register.simple_tag
def page_params(base_params, page, per_page):
    return urlencode({**base_params, "page": page, "per_page": per_page})


@register.filter
def phone(value):
    return phones.display(value)
