"""亮身份 and 亮承诺: a member's public post (共产党员岗) and their yearly commitments."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organizations.models import Member, Organization


def new_token() -> str:
    """An unguessable key for a public post page (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


class IdentityPost(models.Model):
    """共产党员岗: the member's public post page, reached by a random token (the QR code)."""

    member = models.OneToOneField(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="identity_post"
    )
    token = models.CharField(_("public key"), max_length=40, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    token_changed_at = models.DateTimeField(_("key changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity post")
        verbose_name_plural = _("identity posts")

    def __str__(self) -> str:
        return str(self.member)


class Topic(models.TextChoices):
    """The plan: commitments about one's post, the central work, or serving society."""

    POST = "post", _("My post and duties")
    CENTRAL_WORK = "central_work", _("The central work")
    SERVING = "serving", _("Serving the public")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting approval")
    RETURNED = "returned", _("returned")
    APPROVED = "approved", _("approved")


class Fulfilment(models.TextChoices):
    KEPT = "kept", _("kept")
    PARTLY = "partly", _("partly kept")
    NOT_KEPT = "not_kept", _("not kept")


class Commitment(models.Model):
    """亮承诺: one promise of a member for a year, approved by the branch, assessed at year end."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="commitments"
    )
    branch = models.ForeignKey(
        Organization,
        verbose_name=_("branch"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    topic = models.CharField(_("about"), max_length=20, choices=Topic.choices)
    text = models.TextField(_("commitment"), max_length=500)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_comment = models.CharField(_("review comment"), max_length=500, blank=True)
    report = models.TextField(_("how it was kept"), max_length=1000, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    fulfilment = models.CharField(
        _("assessment"), max_length=10, choices=Fulfilment.choices, blank=True
    )
    assessment_note = models.CharField(_("assessment note"), max_length=500, blank=True)
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["branch", "year", "member__name", "member_id", "pk"]
        indexes = [models.Index(fields=["branch", "year", "status"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year}: {self.text[:30]}"

    @property
    def is_editable(self) -> bool:
        return self.status in (Status.DRAFT, Status.RETURNED)


class VanguardStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed by the branch")
    CONFIRMED = "confirmed", _("confirmed by the committee")
    DECLINED = "declined", _("not confirmed by the committee")


class VanguardPost(models.Model):
    """党员先锋岗 (plan 二: the points are an important input to 评定党员先锋岗): the branch
    proposes a member's post for the year from the ranking and the commitments kept; once
    the committee confirms it, the post card, the public post page and the lobby screen
    show it. The basis the branch saw is kept with the proposal."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.PROTECT, related_name="vanguard_posts"
    )
    branch = models.ForeignKey(
        Organization, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("name of the post"), max_length=60, blank=True)
    reasons = models.TextField(_("the branch's reasons"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=10, choices=VanguardStatus.choices, default=VanguardStatus.PROPOSED
    )
    # The basis when proposed: the year's ranking and the commitments as assessed.
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    ranked = models.PositiveIntegerField(_("members ranked"), null=True, blank=True)
    total = models.DecimalField(
        _("annual points"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    award_eligible = models.BooleanField(_("in the top 20%"), default=False)
    commitments_made = models.PositiveSmallIntegerField(_("commitments approved"), default=0)
    commitments_kept = models.PositiveSmallIntegerField(_("commitments kept"), default=0)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("the committee's note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("vanguard post")
        verbose_name_plural = _("vanguard posts")
        ordering = ["-year", "branch", "pk"]
        constraints = [
            # Proposed or confirmed once a year; after a refusal the branch may propose again.
            models.UniqueConstraint(
                fields=["member", "year"],
                condition=~models.Q(status="declined"),
                name="vanguard_post_once_a_year",
            )
        ]
        indexes = [models.Index(fields=["branch", "year"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.member} {self.year} {self.get_status_display()}"
