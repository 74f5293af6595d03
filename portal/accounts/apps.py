from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(keep_language, dispatch_uid="accounts.keep_language")


def keep_language(sender, request, user, **kwargs) -> None:
    """A person's saved language follows them to any device they log in on (the switch's cookie still wins)."""
    from portal.common.language import SESSION_KEY

    if request is not None and hasattr(request, "session") and getattr(user, "language", None):
        request.session[SESSION_KEY] = user.language
