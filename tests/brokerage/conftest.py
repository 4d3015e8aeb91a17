import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    """The services' refusals are read in English here (the German ones are checked in the portal's tests)."""
    with translation.override("en"):
        yield
