import os

SERVED_BY_HEADER = "X-Served-By"


def served_by(get_response):
    """Name the process that answered, so a test can tell that several processes served it."""

    def middleware(request):
        response = get_response(request)
        response[SERVED_BY_HEADER] = str(os.getpid())
        return response

    return middleware


def assert_served_by_several_processes(servers, answers) -> None:
    """Every server's workers answered part of the race: it ran on more than one process."""
    processes = {int(answer.headers[SERVED_BY_HEADER]) for answer in answers}
    for server in servers:
        assert processes & set(server.worker_pids()), "a server answered none of the race"
    assert len(processes) >= 2
