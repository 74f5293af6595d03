from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Thông báo")

    def ready(self):
        from django.db.models.signals import post_migrate

        from notifications.services import templates_ensure_after_migrate

        post_migrate.connect(templates_ensure_after_migrate, sender=self)
