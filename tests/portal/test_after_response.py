"""Work left for after the response (portal.after_response)."""

import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from portal.after_response import AfterResponseMiddleware, after_response

# Closing a response sends request_finished, whose receiver checks the connection.
pytestmark = pytest.mark.django_db


def _respond(*tasks):
    def view(request):
        for task in tasks:
            after_response(request, task)
        return HttpResponse("answer")

    return AfterResponseMiddleware(view)(RequestFactory().get("/"))


def test_tasks_run_when_the_response_is_closed_not_before():
    ran = []

    response = _respond(lambda: ran.append("first"), lambda: ran.append("second"))
    assert ran == []
    response.close()  # what the WSGI server does after the last byte

    assert ran == ["first", "second"]


def test_a_failing_task_is_logged_by_its_type_only_and_the_others_still_run(caplog):
    ran = []

    def leaky():
        raise ValueError("https://portal.example/account/password/reset/secret-token/")

    response = _respond(leaky, lambda: ran.append("after"))
    with caplog.at_level(logging.ERROR, logger="portal.after_response"):
        response.close()

    assert ran == ["after"]
    assert "ValueError" in caplog.text
    assert "secret-token" not in caplog.text
