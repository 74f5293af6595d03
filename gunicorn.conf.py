"""gunicorn's settings file, read from the working directory (``gunicorn portal.wsgi:application`` finds it).

Command-line flags (workers, bind) still apply; this file adds what must happen in each worker process."""


def post_worker_init(worker):
    """In each worker, after the fork and once the application is loaded: build the old-address converter's index in
    a background thread of this process. A thread started before the fork (in the master, with ``--preload``) would
    not exist in the worker."""
    from communes.address import start_background_warm_up

    start_background_warm_up()


def child_exit(server, worker):
    """Prometheus' multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``make up``): a worker that exited no longer
    contributes its live gauges."""
    import os

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _log_format() -> str:
    import os

    default = "json" if os.environ.get("DJANGO_ENV", "").strip().lower() == "production" else "plain"
    return os.environ.get("LOG_FORMAT", default)


if _log_format() == "json":
    # gunicorn's own lines (start-up, worker deaths, timeouts) as JSON too, like Django's and Celery's
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "portal.common.logging.RedactPersonalData"}},
        "formatters": {"json": {"()": "portal.common.logging.JsonLines"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["redact"]}},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
