"""django-axes under a Vietnamese name in the admin (the app's own name there is its label, "Axes"); its models'
and fields' names are translated in ``locale/vi``, which django-axes does not ship."""

from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _


class FailedLoginsConfig(AxesConfig):
    verbose_name = _("Đăng nhập sai và khóa tạm")
