"""In-app notifications: what a user should look at next."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        DECLARATIONS_OPEN = "declarations_open", _("declarations open")
        DEADLINE_NEAR = "deadline_near", _("deadline approaching")
        DECLARATION_RETURNED = "declaration_returned", _("declaration returned")
        DECLARATION_DECIDED = "declaration_decided", _("declaration decided")
        REVIEW_WAITING = "review_waiting", _("review waiting")
        OTHER = "other", _("other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    dedupe_key = models.CharField(
        _("deduplication key"),
        max_length=120,
        blank=True,
        help_text=_("A reminder with the same key is sent once (so a rerun sends nothing new)."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="notification_sent_once",
            )
        ]

    def __str__(self) -> str:
        return self.title
