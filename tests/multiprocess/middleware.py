import os

SERVED_BY_HEADER = "X-Served-By"


def served_by(get_response):
    """Name the process that answered, so a test can tell that several processes served it."""

    def middleware(request):
        response = get_response(request)
        response[SERVED_BY_HEADER] = str(os.getpid())
        return response

    return middleware
