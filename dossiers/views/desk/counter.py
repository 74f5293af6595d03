"""The queues (placeholder: being written)."""
from django.http import HttpResponse

from dossiers.views.desk.common import desk_view


@desk_view
def desk_home(request):
    return HttpResponse("")


counter_start = counter_applicant = counter_form = desk_home
