from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from communes.selectors import communes_by_former_province
from portal.accounts.services import user_set_language
from portal.common.language import remember_language, supported


def home(request):
    groups = communes_by_former_province()
    total = sum(len(group["communes"]) for group in groups.values())
    return render(request, "home.html", {"groups": groups, "total": total})


@require_POST
def set_language(request):
    """The language switch in every page's header: the person's choice, kept in a cookie, the session and — when
    logged in — the profile. Back to the page it was pressed on (``next``, same site only)."""
    language = supported(request.POST.get("language")) or settings.LANGUAGE_CODE
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    remember_language(request, response, language)
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    return response
