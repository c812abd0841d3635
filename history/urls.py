from django.urls import path

from history import views

app_name = "history"

urlpatterns = [
    path("borrow/", views.ledger_form, {"operation": "borrow"}, name="borrow"),
    path("borrow/confirm/", views.ledger_confirm, {"operation": "borrow"}, name="borrow-confirm"),
    path("borrow/done/<int:pk>/", views.ledger_done, {"operation": "borrow"}, name="borrow-done"),
    path("repay/", views.ledger_form, {"operation": "repay"}, name="repay"),
    path("repay/confirm/", views.ledger_confirm, {"operation": "repay"}, name="repay-confirm"),
    path("repay/done/<int:pk>/", views.ledger_done, {"operation": "repay"}, name="repay-done"),
    path("history/", views.history_list, name="history"),
    path("history.csv", views.history_csv, name="history-csv"),
    path("interest/", views.interest_inquiry, name="interest"),
    path(
        "settings/transaction-mail/",
        views.transaction_mail_setting,
        name="settings-transaction-mail",
    ),
]
