from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from .checks import check_two_factor_roles
        from .sso.checks import check_sso_settings
        from .two_factor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.two_factor")
        checks.register(check_two_factor_roles)
        checks.register(check_sso_settings)
