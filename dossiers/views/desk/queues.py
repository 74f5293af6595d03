"""The queues (placeholder: being written)."""
from django.http import HttpResponse

from dossiers.views.desk.common import desk_view


@desk_view
def desk_home(request):
    return HttpResponse("")


queue_page = queue_bulk = receipts_print = desk_home
