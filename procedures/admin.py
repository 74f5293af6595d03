from procedures import admin_calendar  # noqa: F401  (working sessions and calendar exceptions)
