from django.urls import path

from stats.api.views import BreakdownView, Decision766RankingView, Decision766View, SummaryView, WeeklyView

urlpatterns = [
    path("stats/summary/", SummaryView.as_view(), name="stats-summary"),
    path("stats/breakdown/", BreakdownView.as_view(), name="stats-breakdown"),
    path("stats/weekly/", WeeklyView.as_view(), name="stats-weekly"),
    path("stats/decision-766/", Decision766View.as_view(), name="stats-766"),
    path("stats/decision-766/ranking/", Decision766RankingView.as_view(), name="stats-766-ranking"),
]
