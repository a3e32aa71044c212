from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A login. A party member may have one; public representatives never do."""

    must_change_password = models.BooleanField(
        _("must change password"),
        default=True,
        help_text=_("The initial password must be changed at the first sign-in."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
