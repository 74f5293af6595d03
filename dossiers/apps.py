from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self):
        from dossiers import checks  # noqa: F401 (registers the system checks)
        from dossiers.services.reminders import still_due
        from dossiers.slips.attachments import receipt_attachment
        from notifications.models import DUE_KINDS, Kind
        from notifications.registry import register_attachment, register_guard

        register_attachment("receipt", receipt_attachment)
        register_guard([*DUE_KINDS, Kind.NOT_TRANSFERRED, Kind.SUPPLEMENT_REMINDER], still_due)
