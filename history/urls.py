from django.urls import path

from history import flow, views
from history.atm_views import SMARTPHONE_ATM
from history.operations import BORROWING, REPAYMENT

app_name = "history"

urlpatterns = [
    *flow.urls(BORROWING, "borrow/"),  # borrow, borrow-confirm, borrow-done
    *flow.urls(REPAYMENT, "repay/"),  # repay, repay-confirm, repay-done
    *flow.urls(SMARTPHONE_ATM, "atm/"),  # atm, atm-confirm, atm-done (the member's side)
    path("history/", views.history_list, name="history"),
    path("history.csv", views.history_csv, name="history-csv"),
    path("interest/", views.interest_inquiry, name="interest"),
    path(
        "settings/transaction-mail/",
        views.transaction_mail_setting,
        name="settings-transaction-mail",
    ),
    path("settings/reminder/", views.reminder_setting, name="settings-reminder"),
]
