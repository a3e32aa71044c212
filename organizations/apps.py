from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from notifications.channels import SMS, address_book_register

        from .recipients import phones

        address_book_register(SMS, phones)
