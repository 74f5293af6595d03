from django.shortcuts import render

from communes.selectors import communes_by_former_province


def home(request):
    groups = communes_by_former_province()
    total = sum(len(group["communes"]) for group in groups.values())
    return render(request, "home.html", {"groups": groups, "total": total})
