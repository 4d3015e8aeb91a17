"""The language switcher, remembering the choice of a logged-in user for their e-mails."""

from django.views import i18n
from django.views.decorators.http import require_POST

from notifications.services import user_language_set


@require_POST
def set_language(request):
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get(i18n.LANGUAGE_QUERY_PARAMETER, ""))
    return response
