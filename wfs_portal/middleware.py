"""Request middleware of the portal."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class GermanFirstLocaleMiddleware(LocaleMiddleware):
    """German is the working language: every page is German unless the user chose English with the
    language switcher (which sets the language cookie). The browser's Accept-Language header is
    not consulted, so colleagues with an English browser still share one German interface."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
