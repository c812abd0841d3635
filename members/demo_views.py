from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from members.demo import PERSONAS


@require_safe
def personas(request):
    """Show one card per demo persona with its credentials (only with PORTAL_DEMO)."""
    if not settings.PORTAL_DEMO:
        raise Http404
    return render(request, "members/demo_personas.html", {"personas": PERSONAS})
