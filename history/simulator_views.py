"""The public repayment simulator (no login; open during maintenance)."""

from django.shortcuts import render
from django.views.decorators.http import require_safe

from history import simulator
from history.forms import SimulatorForm


@require_safe
def simulator_view(request):
    """The public repayment simulator (three modes), a GET form."""
    form = SimulatorForm(request.GET if "mode" in request.GET else None)
    plan = error = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            plan = _simulate(data)
        except simulator.SimulationError as exc:
            error = exc.code
    return render(request, "history/simulator.html", {"form": form, "plan": plan, "error": error})


def _simulate(data):
    rate = data["rate"]
    if data["mode"] == "payment":
        return simulator.monthly_payment_plan(
            amount=data["amount"], months=data["months"], rate_percent=rate
        )
    if data["mode"] == "count":
        return simulator.payment_count_plan(
            amount=data["amount"], monthly_payment=data["monthly_payment"], rate_percent=rate
        )
    return simulator.borrowable_plan(
        monthly_payment=data["monthly_payment"], months=data["months"], rate_percent=rate
    )
