"""The dashboard's aggregates, kept in step by beat (``CELERY_BEAT_SCHEDULE``). Thin and safe to run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="stats.refresh", ignore_result=True, acks_late=True)
def refresh() -> dict:
    """Every ``STATS_REFRESH_SECONDS``: recompute the keys of the dossiers changed since the last run."""
    from stats.services import stats_refresh

    return stats_refresh()


@shared_task(name="stats.rebuild", ignore_result=True, acks_late=True)
def rebuild() -> dict:
    """Nightly: every row from scratch."""
    from stats.services import stats_rebuild

    return stats_rebuild()
