"""Exports of a report's frozen figures: XLSX for working with the numbers (``xlsx``), PDF for
reading and passing on (``pdf``), CSV for loading into other tools (``csv``); ``render`` picks one
by name, ``common`` holds what they share.

All three read the figures dict (schema in ``reports.kpis``; see the module docstring there), the
KPI registry (``reports.kpi_registry``) and the table definitions of ``reports.labels``, and render
inside ``translation.override(language)`` so that labels, sheet names and number formats follow
the report's language, not the language of whichever request or task happens to run them. German
is the default: it is the agency's working language and the language of its ministry.

Nothing here touches the database: the figures are frozen, so an export of a 2018 report made
today shows what was reported in 2018.
"""
