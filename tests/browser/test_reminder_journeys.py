"""The repayment-reminder e-mail in a real browser (SPEC §8): a member turns it on, and
after `send_reminders` runs at its hour the mail is in the demo mailbox, its link leading
to the repayment page."""

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from members.models import Member
from tests.browser.conftest import login_as
from tests.browser.test_account_journeys import open_newest_mail
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _mail_into_mailbox(mailbox):
    """Send through the portal's backend so every mail lands in the demo mailbox."""


def test_a_member_sets_a_reminder_and_it_arrives_in_the_demo_mailbox(page, personas, time_machine):
    member = Member.objects.get(member_number=personas["card_only"].member_number)
    due_date = member.contract.due_status.next_due_date
    assert due_date - dt.date(2026, 12, 9) > dt.timedelta(days=7)  # nothing due yet

    login_as(page, "card_only")
    page.goto("/mypage/settings/")
    expect(page.locator("[data-reminder-enabled]")).to_have_attribute(
        "data-reminder-enabled", "false"
    )
    page.locator("#link-settings-reminder").click()
    page.get_by_label("受け取る").check()
    page.locator("#id_days_before").select_option("7")
    page.locator("#id_hour").select_option("8")
    page.locator("#settings-submit").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/$"))
    expect(page.locator("[data-reminder-enabled]")).to_have_attribute(
        "data-reminder-days-before", "7"
    )

    # cron runs send_reminders every few minutes; at 08:05, 7 days before, it goes out.
    send_day = due_date - dt.timedelta(days=7)
    time_machine.move_to(tokyo(send_day.year, send_day.month, send_day.day, 8, 5))
    call_command("send_reminders", stdout=io.StringIO())

    mail = open_newest_mail(page, personas["card_only"].email, "ご返済期日のお知らせ")
    expect(mail).to_contain_text(f"{due_date.year}年{due_date.month}月{due_date.day}日")
    expect(mail).to_contain_text("次回ご返済額")
    mail.locator('a[href$="/mypage/repay/"]').click()
    expect(page).to_have_url(re.compile(r"/login/"))  # the session has long expired
