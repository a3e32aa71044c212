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


class ExternalIdentity(models.Model):
    """A login's account at the unit's identity provider (企业微信, 钉钉, OIDC, CAS, LDAP).

    Made at the first sign-in through the provider, by finding the member whose key
    (settings.JIFEN_SSO_LINK_FIELD: job number, phone or username) equals the value the
    provider gives; never makes a login or a role. The committee sees and removes links.
    """

    class Provider(models.TextChoices):
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")
        OIDC = "oidc", _("OpenID Connect")
        CAS = "cas", _("CAS")
        LDAP = "ldap", _("LDAP")

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="external_identities",
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    external_id = models.CharField(_("external id"), max_length=200)
    matched_on = models.CharField(
        _("matched on"),
        max_length=40,
        blank=True,
        help_text=_("The member field the provider's value matched when the link was made."),
    )
    linked_at = models.DateTimeField(_("linked at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("external identity")
        verbose_name_plural = _("external identities")
        ordering = ["provider", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="external_identity_unique"
            ),
            models.UniqueConstraint(
                fields=["provider", "user"], name="external_identity_one_per_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()}: {self.external_id}"
