"""ポイント交換 on the amount → confirmation → done flow of history/flow.py.

The confirmation stores the benefit's cost as the amount and its key as the detail; the
rules are points.services.check_redemption (first step) and redeem (confirmation). Like
every page of `points`, the steps close in a member-page maintenance window
(portal.maintenance.MEMBER_APPS).
"""

from django.utils.translation import gettext_lazy as _

from history.flow import Operation
from points import selectors, services
from points.forms import RedemptionForm
from points.models import PointEntry, Reason
from points.rules import BENEFITS, end_of_next_month
from portal import clock


class Redemption(Operation):
    name = "redeem"
    namespace = "points"
    title = _("ポイント交換")
    confirm_title = _("ポイント交換の確認")
    form_class = RedemptionForm
    form_template = "points/redeem_form.html"
    confirm_template = "points/redeem_confirm.html"
    done_template = "points/redeem_done.html"

    def figures(self, request) -> dict:
        return {
            **selectors.mypage_figures(request.user),
            "benefits": BENEFITS,
            "atm_fee_free_until": end_of_next_month(clock.today()),
        }

    def maximum(self, figures) -> int:
        return figures["points"] or 0

    def pending(self, cleaned_data) -> tuple[int, str]:
        key = cleaned_data["benefit"]
        return BENEFITS[key].cost, key

    def form_data(self, *, amount, detail) -> dict:
        return {"benefit": detail}

    def confirmation(self, *, figures, amount, detail) -> dict:
        return {"benefit": BENEFITS[detail], "points_after": (figures["points"] or 0) - amount}

    def check(self, *, member, figures, amount, detail=""):
        services.check_redemption(member=member, benefit=detail)

    def book(self, *, member, amount, detail=""):
        return services.redeem(member=member, benefit=detail)

    def entries(self, member):
        return PointEntry.objects.filter(member=member, reason=Reason.REDEMPTION)


REDEMPTION = Redemption()
