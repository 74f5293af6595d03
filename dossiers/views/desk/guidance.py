"""The queues (placeholder: being written)."""
from django.http import HttpResponse

from dossiers.views.desk.common import desk_view


@desk_view
def desk_home(request):
    return HttpResponse("")


guidance_slip = desk_home
