"""One generic test of an app's named database constraints, so each app's test_models.py lists only
its violation cases: {constraint name: a function returning an unsaved instance that violates
exactly that constraint}."""

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import translation


def constraint_tests(app_label: str, violations: dict):
    """The three tests every app runs on its constraints; assign them to module-level test names."""

    def constraint(name: str) -> models.BaseConstraint:
        return next(
            c
            for model in apps.get_app_config(app_label).get_models()
            for c in model._meta.constraints
            if c.name == name
        )

    def test_every_named_constraint_has_a_violation_case():
        names = {c.name for model in apps.get_app_config(app_label).get_models() for c in model._meta.constraints}
        assert names == set(violations)

    @pytest.mark.parametrize("name", sorted(violations))
    def test_full_clean_rejects_violation_with_the_constraint_message(name):
        instance = violations[name]()
        with translation.override("en"):
            with pytest.raises(ValidationError) as exc_info:
                instance.full_clean()
            assert str(constraint(name).violation_error_message) in exc_info.value.messages

    @pytest.mark.parametrize("name", sorted(violations))
    def test_database_rejects_violation_without_full_clean(name):
        instance = violations[name]()
        with pytest.raises(IntegrityError) as exc_info, transaction.atomic():
            instance.save()
        if connection.vendor == "postgresql" or isinstance(constraint(name), models.CheckConstraint):
            # The error names the constraint, so it is this one and not, say, a NOT NULL column.
            assert name in str(exc_info.value)

    return (
        test_every_named_constraint_has_a_violation_case,
        test_full_clean_rejects_violation_with_the_constraint_message,
        test_database_rejects_violation_without_full_clean,
    )
