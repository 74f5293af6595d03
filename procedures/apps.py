from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProceduresConfig(AppConfig):
    name = "procedures"
    verbose_name = _("Thủ tục hành chính")

    def ready(self) -> None:
        # Connects the receivers that invalidate the cached working calendar when an administrator edits it.
        from procedures import calendar  # noqa: F401
