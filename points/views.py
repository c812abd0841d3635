"""The member's point pages: the balance and history with the join and redemption forms,
joining, and the /mypage/ panel. Redemption's three steps are points/operations.py."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from members.decorators import is_member, member_required
from points import rules, selectors, services
from points.forms import RedemptionForm
from portal import clock

POINTS_PAGE_SIZE = 20


def mypage_panel(request: HttpRequest):
    """The points on /mypage/ (registered with members.dashboard): the balance or an
    invitation to join, an active ATM-fee benefit, and 各種お申し込み."""
    if not is_member(request.user):
        return ""
    return render_to_string(
        "points/includes/mypage_panel.html",
        selectors.mypage_figures(request.user),
        request=request,
    )


@require_safe
@member_required
@never_cache
def points_page(request):
    """The balance, the redemption form (or the join form) and the full point history."""
    member = request.user
    figures = selectors.mypage_figures(member)
    context = {
        **figures,
        "rules": rules,
        "benefits": rules.BENEFITS,
        "atm_fee_free_until": rules.end_of_next_month(clock.today()),
    }
    if figures["points"] is not None:
        context["form"] = RedemptionForm(maximum=figures["points"])
        paginator = Paginator(selectors.history_of(member), POINTS_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        page.object_list = selectors.describe(page.object_list)
        context["page"] = page
    return render(request, "points/points.html", context)


@require_POST
@member_required
@never_cache
def join(request):
    """入会: open the point account with the joining points; a second time says so."""
    try:
        services.join(member=request.user)
    except services.PointRefusal as refusal:
        messages.info(request, refusal.message, extra_tags=refusal.code)
    else:
        messages.success(
            request,
            _("ポイントサービスに入会しました。入会ポイント %(points)s ポイントを付与しました。")
            % {"points": rules.JOIN_POINTS},
            extra_tags="joined",
        )
    return redirect("points:points")
