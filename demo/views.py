"""The demo pages (only with PORTAL_DEMO): the personas and the demo mailbox (SPEC §9)."""

import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from demo.forms import MailboxFilterForm
from demo.personas import PERSONAS
from points.selectors import balances_by_member_number
from portal.models import MailboxMessage


@require_safe
def personas(request):
    """Show one card per demo persona with its credentials (only with PORTAL_DEMO)."""
    if not settings.PORTAL_DEMO:
        raise Http404
    balances = balances_by_member_number([persona.member_number for persona in PERSONAS])
    cards = [(persona, balances.get(persona.member_number)) for persona in PERSONAS]
    return render(request, "demo/personas.html", {"cards": cards})


class DemoOnlyMixin:
    """Answer 404 unless PORTAL_DEMO is on."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.PORTAL_DEMO:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


# Kana, CJK ideographs and the full-width brackets of a Japanese subject (【…】).
_JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]")


def mail_language(mail: MailboxMessage) -> str:
    """Return the language a mail was written in ("ja" or "en"), for its lang attribute.

    A mail is in its recipient's language; its subject, which the portal writes whole
    (no member data in it), tells which.
    """
    return "ja" if _JAPANESE.search(mail.subject) else "en"


class MailboxListView(DemoOnlyMixin, ListView):
    """The demo mailbox: every e-mail the portal sent, newest first."""

    model = MailboxMessage
    template_name = "demo/mailbox_list.html"
    context_object_name = "mails"
    paginate_by = 30
    http_method_names = ["get", "head"]

    def get_queryset(self):
        mails = super().get_queryset().defer("body", "html_body")
        # An invalid filter (too long) filters nothing; the form shows why.
        self.filter_form = MailboxFilterForm(self.request.GET)
        to = self.filter_form.cleaned_data["to"] if self.filter_form.is_valid() else ""
        return mails.filter(to__icontains=to) if to else mails

    def get_context_data(self, **kwargs):
        context = super().get_context_data(filter_form=self.filter_form, **kwargs)
        context["mails"] = [(mail, mail_language(mail)) for mail in context["mails"]]
        return context


class MailboxDetailView(DemoOnlyMixin, DetailView):
    model = MailboxMessage
    template_name = "demo/mailbox_detail.html"
    context_object_name = "mail"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mail_lang"] = mail_language(self.object)
        return context
