from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from communes.selectors import centre_finder
from dossiers.selectors import most_filed_procedures
from portal.accounts.services import user_set_language
from portal.common.language import remember_language, supported
from procedures.selectors import procedure_fields

#: the home page's "most filed" list is read at most this often (it counts every dossier of the last year)
MOST_FILED_CACHE_SECONDS = 600


def _most_filed() -> list[dict]:
    key = "home:most-filed"
    rows = cache.get(key)
    if rows is None:
        rows = most_filed_procedures(limit=8, days=365)
        cache.set(key, rows, MOST_FILED_CACHE_SECONDS)
    return rows


def home(request):
    """Search, the most-filed procedures (real counts), fields to browse, the centre finder, the dossier lookup."""
    query = request.GET.get("centre", "")
    fields = sorted((f for f in procedure_fields() if f["count"]), key=lambda f: (-f["count"], f["name"]))
    context = {
        "most_filed": _most_filed(),
        "top_fields": fields[:8],
        "other_fields": fields[8:],
        "finding": centre_finder(query) if query.strip() else None,
        "centre_query": query[:120],
    }
    return render(request, "home.html", context)


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
