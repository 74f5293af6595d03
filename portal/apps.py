from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Cổng dịch vụ công")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from portal import checks  # noqa: F401  (registers the system checks)
        from portal.common.authentication import login_failed

        # after django-axes' own receiver (its app comes first): the request already says whether it locked it out
        user_login_failed.connect(login_failed, dispatch_uid="portal.login_failed")
