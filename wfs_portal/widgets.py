"""Form widgets of the portal's own."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """A select whose options are written in Python instead of one template per option. The same
    HTML as Django's Select; a list page's filters carry some 200 options (NACE divisions,
    technology fields, countries), whose templates took longer than the search itself."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            rendered = format_html_join(
                "",
                '<option value="{}"{}{}>{}</option>',
                (
                    (
                        "" if option["value"] is None else str(option["value"]),
                        flatatt({k: v for k, v in option["attrs"].items() if k != "selected"}),
                        mark_safe(" selected") if option["selected"] else "",
                        option["label"],
                    )
                    for option in options
                ),
            )
            groups.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rendered) if group_name else rendered
            )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(widget["attrs"]), mark_safe("".join(groups))
        )
