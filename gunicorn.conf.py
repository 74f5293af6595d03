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
