from django.http import HttpResponse
from django.template.response import TemplateResponse

from members.decorators import member_required


def baseline(request):
    """Return the cheapest answer Django gives through the portal's middleware."""
    return HttpResponse("ok", content_type="text/plain")


@member_required
def member_floor(request):
    """Return a logged-in page that shows one figure: the common cost of every member
    page (middleware, session, idle-timeout bookkeeping, the member, the maintenance
    look-up, the base template), SPEC §12 "Speed"."""
    return TemplateResponse(request, "bench/floor.html", {"figure": request.user.pk})
