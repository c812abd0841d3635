from django.urls import path

from history import atm_views

# The partner ATM's screen: public (no login), so not a member page; a new session is not
# started while the member pages are closed, since no member could use it.
app_name = "atm"

urlpatterns = [
    path("", atm_views.atm_start, name="start"),
    path("s/<str:token>/", atm_views.atm_session, name="session"),
    path("s/<str:token>/state/", atm_views.atm_session_state, name="session-state"),
    path("s/<str:token>/cancel/", atm_views.atm_session_cancel, name="session-cancel"),
]
