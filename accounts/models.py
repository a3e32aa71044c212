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


class Activation(models.Model):
    """A one-time slip that opens a login or sets a new password (issue: a bureau starts
    from nothing). The code exists in plain text only on the printed slip; it expires, and
    it works once."""

    class Purpose(models.TextChoices):
        OPEN = "open", _("open a login")
        RESET = "reset", _("set a new password")

    user = models.ForeignKey(
        "User", verbose_name=_("user"), on_delete=models.CASCADE, related_name="activations"
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        "User",
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activation slip")
        verbose_name_plural = _("activation slips")
        ordering = ["-issued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_purpose_display()}"
