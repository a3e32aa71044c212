from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from functools import partial

        from django.contrib.auth.signals import user_logged_in
        from django.core import checks

        from notifications.channels import DINGTALK, WECOM, address_book_register

        from .checks import check_two_factor_roles
        from .sso.checks import check_sso_settings
        from .sso.linking import linked_addresses
        from .two_factor import on_user_logged_in

        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.two_factor")
        checks.register(check_two_factor_roles)
        checks.register(check_sso_settings)
        # The account linked at sign-in through WeCom or DingTalk is the address there.
        address_book_register(WECOM, partial(linked_addresses, "wecom"))
        address_book_register(DINGTALK, partial(linked_addresses, "dingtalk"))
