from django.urls import path

from stats.api.views import BreakdownView, SummaryView, WeeklyView

urlpatterns = [
    path("stats/summary/", SummaryView.as_view(), name="stats-summary"),
    path("stats/breakdown/", BreakdownView.as_view(), name="stats-breakdown"),
    path("stats/weekly/", WeeklyView.as_view(), name="stats-weekly"),
]
