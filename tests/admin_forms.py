"""The POST data of an unchanged admin change form, as the browser would send it: a test changes the
fields it is about and posts the rest as they were."""


def change_form_data(response) -> dict:
    """The fields of the main form (no inlines)."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = [str(item) for item in value] if isinstance(value, (list, tuple)) else str(value)
    return data


def inline_data(response) -> dict[str, str]:
    """The management forms and the existing rows of every inline, unchanged."""
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(formset.initial_form_count())
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for form in formset.initial_forms:
            for name in form.fields:
                value = form[name].value()
                if value not in (None, False):
                    data[form.add_prefix(name)] = value if not isinstance(value, (list, tuple)) else list(value)
    return data


def unchanged_post(client, url) -> dict:
    """Everything the change page at ``url`` would post if nothing were changed."""
    response = client.get(url)
    return {**change_form_data(response), **inline_data(response)}
