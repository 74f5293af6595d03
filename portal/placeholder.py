# TEMPORARY during issue 11 development: replaced by the real pages; must not exist at commit time.
from django.http import HttpResponse


def placeholder(request, *args, **kwargs):
    return HttpResponse("placeholder")
