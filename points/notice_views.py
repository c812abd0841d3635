"""The member's notices: the member-page panel, the list and a notice (points/notices.py)."""

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from members.decorators import is_member, member_required
from points import notices

NOTICES_PAGE_SIZE = 20


def mypage_panel(request: HttpRequest):
    """The unread count and the newest notices on /mypage/ (registered in points.apps)."""
    member = request.user
    if not is_member(member):
        return ""
    unread, latest = notices.for_mypage(member)
    context = {"unread": unread, "latest": latest}
    return render_to_string("points/includes/notices_panel.html", context, request=request)


@require_safe
@member_required
@never_cache
def notice_list(request):
    listed = notices.visible_to(request.user).defer("body", "body_en")
    page = Paginator(listed, NOTICES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "points/notice_list.html", {"page": page})


@require_safe
@member_required
@never_cache
def notice_detail(request, pk: int):
    """Opening a notice reads it: marks it read and credits its points, once (a GET, as a
    reader's click is one; notices.read is idempotent, so reloads and prefetches are safe)."""
    notice = notices.visible_to(request.user).filter(pk=pk).first()
    if notice is None:
        raise Http404("no such notice for this member now")
    reading = notices.read(member=request.user, notice=notice)
    return render(request, "points/notice_detail.html", {"notice": notice, "reading": reading})
