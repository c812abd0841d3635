from django.http import HttpResponse


def baseline(request):
    """Return the cheapest answer Django gives through the portal's middleware."""
    return HttpResponse("ok", content_type="text/plain")
