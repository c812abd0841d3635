from django.urls import path

from points import certificate_views

app_name = "points"

urlpatterns = [
    # --- Income certificates (収入証明書類)
    path(
        "settings/income-certificate/",
        certificate_views.income_certificate,
        name="income-certificate",
    ),
    path(
        "settings/income-certificate/<int:pk>/file/",
        certificate_views.income_certificate_file,
        name="income-certificate-file",
    ),
]
