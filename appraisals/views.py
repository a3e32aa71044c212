"""The secretary's and recorder's pages: open a session, hand out codes, count, close."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.confirm import Confirmation, confirm_page, confirmed
from core.errors import DomainError
from core.ids import id_or_404
from core.qr import qr_svg
from organizations.permissions import check_officer_anywhere, visible_branches

from . import selectors, services
from .codes import display
from .forms import AnnulForm, ExtendForm, SessionForm, ballot_marks, ballot_rows
from .grades import ORDER, BallotInvalid, range_text
from .models import AppraisalSession, CastBy, Status, Voter
from .permissions import ANNUL, KEY_PAPER, RUN, get_branch_to_run, get_session_for_user, may


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Every session of the branches the user serves as an officer, newest first."""
    check_officer_anywhere(request.user)
    sessions = list(selectors.sessions_for_user(request.user))
    counts = selectors.counts_for(sessions)
    branches = [b for b in visible_branches(request.user) if may(request.user, b.pk, RUN)]
    return render(
        request,
        "appraisals/index.html",
        {
            "rows": [(s, counts[s.pk]) for s in sessions],
            "branches_to_run": branches,
        },
    )


@login_required
def session_create(request: HttpRequest, code: str) -> HttpResponse:
    branch = get_branch_to_run(request.user, code)
    form = SessionForm(request.POST or None, branch=branch)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_open(
                branch=branch,
                half_year=data["half_year"],
                held_on=data["held_on"],
                mode=data["mode"],
                values=form.grade_values(),
                evaluees=list(data["evaluees"]),
                voter_members=list(data["voter_members"]),
                representatives=list(data["representatives"]),
                opened_by=request.user,
                quorum_percent=data["quorum_percent"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The appraisal session has been opened."))
            return redirect("appraisals:session_detail", pk=session.pk)
    return render(request, "appraisals/session_form.html", {"form": form, "branch": branch})


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    voters = selectors.voter_rows(session)
    return render(
        request,
        "appraisals/session_detail.html",
        {
            "session": session,
            "counts": selectors.counts(session),
            "voters": voters,
            "reissuable": [row for row in voters if row.state == "issued"],
            "evaluees": selectors.evaluees(session),
            "may_run": may(request.user, session.branch_id, RUN),
            "may_annul": may(request.user, session.branch_id, ANNUL),
            "may_key": may(request.user, session.branch_id, KEY_PAPER),
            "values": [(g, session.values[g], range_text(g)) for g in ORDER],
        },
    )


@login_required
def session_count(request: HttpRequest, pk: int) -> HttpResponse:
    """The live count, polled by htmx: codes used of issued, paper forms keyed of handed out."""
    session = get_session_for_user(request.user, pk)
    return render(
        request,
        "appraisals/_count.html",
        {"session": session, "counts": selectors.counts(session)},
    )


def _slips(request: HttpRequest, session: AppraisalSession, issued: list) -> HttpResponse:
    """The printable sheet of slips. Codes exist in plain text only in this response."""
    slips = []
    for item in issued:
        url = request.build_absolute_uri(reverse("appraisals:ballot", args=[item.code]))
        slips.append(
            {"voter": item.voter, "code": display(item.code), "url": url, "qr": qr_svg(url)}
        )
    start = request.build_absolute_uri(reverse("appraisals:vote_start"))
    response = render(
        request,
        "appraisals/slips.html",
        {"session": session, "slips": slips, "start_url": start},
    )
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_POST
def codes_issue(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, RUN)
    try:
        issued = services.codes_issue(session=session, issued_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appraisals:session_detail", pk=session.pk)
    if not issued:
        messages.info(request, _("Every voter already holds a code or a paper form."))
        return redirect("appraisals:session_detail", pk=session.pk)
    return _slips(request, session, issued)


def _voter(session: AppraisalSession, voter_pk: int) -> Voter:
    return get_object_or_404(Voter, session=session, pk=voter_pk)


@never_cache
@login_required
@require_POST
def code_reissue(request: HttpRequest, pk: int, voter_pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, RUN)
    try:
        issued = services.code_reissue(
            session=session, voter=_voter(session, voter_pk), issued_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appraisals:session_detail", pk=session.pk)
    return _slips(request, session, [issued])


@never_cache
@login_required
@require_POST
def codes_reissue_unused(request: HttpRequest, pk: int) -> HttpResponse:
    """The slips again, in one step: the unused codes of the chosen voters are replaced
    (services.codes_reissue_unused says why not the same codes)."""
    session = get_session_for_user(request.user, pk, RUN)
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Confirm that the codes handed out so far will stop working."))
        return redirect("appraisals:session_detail", pk=session.pk)
    chosen = request.POST.getlist("voters")
    if not chosen or not all(v.isdigit() and len(v) < 19 for v in chosen):
        messages.error(request, _("Choose the voters whose slips are to be printed again."))
        return redirect("appraisals:session_detail", pk=session.pk)
    voters = list(Voter.objects.filter(session=session, pk__in=[int(v) for v in chosen]))
    try:
        issued = services.codes_reissue_unused(
            session=session, voters=voters, issued_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appraisals:session_detail", pk=session.pk)
    return _slips(request, session, issued)


@login_required
@require_POST
def code_void(request: HttpRequest, pk: int, voter_pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, RUN)
    voter = _voter(session, voter_pk)
    try:
        services.code_void(session=session, voter=voter, voided_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The code of %(name)s has been voided.") % {"name": voter})
    return redirect("appraisals:session_detail", pk=session.pk)


@login_required
@require_POST
def voters_to_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """One voter (voter=<pk>) or everyone still without a code votes on a paper form."""
    session = get_session_for_user(request.user, pk, RUN)
    voter_pk = request.POST.get("voter", "")
    if voter_pk:
        voters = [_voter(session, id_or_404(voter_pk))]
    else:
        voters = [row.voter for row in selectors.voter_rows(session) if row.state == "none"]
    try:
        moved = services.voters_to_paper(session=session, voters=voters, handed_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(count)d voter(s) will vote on a paper form.") % {"count": moved}
        )
    return redirect("appraisals:session_detail", pk=session.pk)


@login_required
def paper_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """Key in paper forms one at a time, against the number handed out."""
    session = get_session_for_user(request.user, pk, KEY_PAPER)
    evaluees = selectors.evaluees(session)
    rows = ballot_rows(evaluees)
    error = ""
    kinds = services.paper_kinds(session)
    if request.method == "POST":
        rows = ballot_rows(evaluees, request.POST)
        spoiled = request.POST.get("spoiled") == "1"
        if spoiled and not confirmed(request):
            return confirm_page(request, _spoil_confirmation(session))
        try:
            keyed = services.paper_ballot_record(
                session=session,
                marks=ballot_marks(rows),
                spoiled=spoiled,
                cast_by=request.POST.get("cast_by", ""),
                recorded_by=request.user,
            )
        except BallotInvalid as exc:
            rows = ballot_rows(evaluees, request.POST, exc.errors)
            error = exc.message
        except DomainError as exc:
            error = exc.message
        else:
            text = (
                _("Paper form no. %(number)d has been recorded as spoiled.")
                if spoiled
                else _("Paper form no. %(number)d has been recorded.")
            )
            messages.success(request, text % {"number": keyed})
            return redirect("appraisals:paper_ballot", pk=session.pk)
    return render(
        request,
        "appraisals/paper_ballot.html",
        {
            "session": session,
            "rows": rows,
            "error": error,
            "counts": selectors.counts(session),
            "grades": [(g, range_text(g)) for g in ORDER],
            "cast_by_choices": CastBy.choices if len(kinds) > 1 else [],
            "cast_by": request.POST.get("cast_by", ""),
        },
    )


def _spoil_confirmation(session: AppraisalSession) -> Confirmation:
    return Confirmation(
        title=_("Record this paper form as spoiled"),
        happens=_(
            "The form is counted as handed in but none of its marks count: it gives no "
            "grade to anyone."
        ),
        affects=_("Every member appraised in %(session)s") % {"session": session},
        irreversible=_(
            "Until the session closes, a spoiled form can be put back and keyed in again; "
            "after closing it stays spoiled."
        ),
        button=_("Record as spoiled"),
        back=reverse("appraisals:paper_ballot", kwargs={"pk": session.pk}),
    )


@login_required
@require_POST
def paper_ballot_unspoil(request: HttpRequest, pk: int) -> HttpResponse:
    """Put back a form recorded as spoiled by mistake, so it can be keyed in properly."""
    session = get_session_for_user(request.user, pk, KEY_PAPER)
    try:
        services.paper_ballot_unspoil(session=session, recorded_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The spoiled form has been put back; key it in again as it reads.")
        )
    return redirect("appraisals:paper_ballot", pk=session.pk)


@login_required
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page (GET) shows the turnout against the quorum; POST closes."""
    session = get_session_for_user(request.user, pk, RUN)
    if request.method == "POST":
        try:
            services.session_close(session=session, closed_by=request.user)
        except services.QuorumNotMet as exc:
            messages.error(request, exc.message)
            return redirect("appraisals:session_close", pk=session.pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("appraisals:session_detail", pk=session.pk)
        messages.success(request, _("The session is closed and the scores are recorded."))
        return redirect("appraisals:session_results", pk=session.pk)
    if session.status != Status.OPEN:
        messages.error(request, _("Only an open session can be closed."))
        return redirect("appraisals:session_detail", pk=session.pk)
    return render(
        request,
        "appraisals/session_close.html",
        {"session": session, "counts": selectors.counts(session), "extend": ExtendForm()},
    )


@login_required
@require_POST
def session_extend(request: HttpRequest, pk: int) -> HttpResponse:
    """Too few have voted: keep the vote open until a later day."""
    session = get_session_for_user(request.user, pk, RUN)
    form = ExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the day until which the vote stays open."))
        return redirect("appraisals:session_close", pk=session.pk)
    try:
        services.session_extend(
            session=session, until=form.cleaned_data["until"], extended_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("appraisals:session_close", pk=session.pk)
    messages.success(
        request,
        _("The vote stays open until %(date)s; members who have not voted are told.")
        % {"date": form.cleaned_data["until"].isoformat()},
    )
    return redirect("appraisals:session_detail", pk=session.pk)


@login_required
def session_annul(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk, ANNUL)
    form = AnnulForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_annul(
                session=session, reason=form.cleaned_data["reason"], annulled_by=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The appraisal session has been annulled."))
            return redirect("appraisals:session_detail", pk=session.pk)
    return render(request, "appraisals/session_annul.html", {"session": session, "form": form})


@login_required
def session_results(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_session_for_user(request.user, pk)
    if session.status == Status.OPEN:
        messages.info(request, _("Results are shown once the session is closed."))
        return redirect("appraisals:session_detail", pk=session.pk)
    return render(
        request,
        "appraisals/results.html",
        {"session": session, "results": selectors.results(session), "grades": ORDER},
    )
