"""The member's income-certificate page (upload and list) and the download of a file.

Files are sent by `certificate_file_response` only, to their member here and to staff in
the admin (points/admin.py); there is no URL under which the storage serves them.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from members.decorators import member_required
from points import rules
from points.certificates import CertificateRefusal, submit_certificate
from points.forms import IncomeCertificateForm
from points.models import IncomeCertificate
from points.selectors import certificates_of


@require_http_methods(["GET", "POST"])
@member_required
@never_cache
def income_certificate(request):
    """Upload an income certificate; see the ones sent so far and how they were reviewed."""
    form = IncomeCertificateForm(*(request.POST, request.FILES) if request.method == "POST" else ())
    if request.method == "POST" and form.is_valid():
        try:
            submit_certificate(
                member=request.user,
                upload=form.cleaned_data["file"],
                content_type=form.content_type,
            )
        except CertificateRefusal as refusal:
            form.add_error(None, ValidationError(refusal.message, code=refusal.code))
        else:
            messages.success(
                request,
                _("収入証明書類を受け付けました。確認が済みましたらメールでお知らせします。"),
            )
            return redirect("points:income-certificate")
    return render(
        request,
        "points/income_certificate.html",
        {
            "form": form,
            "certificates": certificates_of(request.user),
            "certificate_points": rules.INCOME_CERTIFICATE_POINTS,
        },
    )


@require_safe
@member_required
def income_certificate_file(request, pk):
    """Send one of the member's own certificates; anyone else's is a 404."""
    certificate = get_object_or_404(IncomeCertificate, pk=pk, member=request.user)
    return certificate_file_response(certificate)


def certificate_file_response(certificate: IncomeCertificate) -> FileResponse:
    """Return the stored file as a download of its checked type, never rendered in place."""
    try:
        content = certificate.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404(_("ファイルが見つかりません。")) from exc
    response = FileResponse(
        content,
        as_attachment=True,
        filename=certificate.download_name,
        content_type=certificate.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
