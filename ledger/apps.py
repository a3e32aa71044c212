from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = _("Ledger")

    def ready(self) -> None:
        from rules.services import closed_year_register

        from .gate import period_is_closed

        # A year is closed when its second half is (rules refuses to change its scheme).
        closed_year_register(
            lambda branch_id, year: period_is_closed(branch_id=branch_id, year=year, month=12)
        )
