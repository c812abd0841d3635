"""Certificate reviews and uploads stay exact under parallel requests (SPEC §7, §12).

They need real row locking and concurrent connections: CI's PostgreSQL pass runs them,
SQLite skips them.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from points import certificates, rules, services
from points.models import CertificateStatus, IncomeCertificate, PointEntry, Reason
from tests.factories import MemberFactory, StaffFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL (CI's DATABASE_URL pass)"
    ),
]

PARALLEL = 8
PDF = b"%PDF-1.4\n%%EOF\n"


def _at_once(calls) -> list:
    """Run the calls in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))

    def one(call):
        try:
            barrier.wait()
            return call()
        except Exception as error:  # the refusals are results here
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def _upload(member):
    return certificates.submit_certificate(
        member=member, upload=SimpleUploadedFile("c.pdf", PDF), content_type="application/pdf"
    )


def test_parallel_approvals_of_one_years_certificates_credit_once():
    member, staff = MemberFactory(), StaffFactory()
    services.join(member=member)
    # Stored directly: the approvals do not open the files, and the upload limit of
    # pending certificates is not what this is about.
    ids = [
        IncomeCertificate.objects.create(
            member=member, file=f"income-certificates/{n}.pdf", content_type="application/pdf",
            size=len(PDF),
        ).pk
        for n in range(PARALLEL)
    ]  # fmt: skip

    results = _at_once(
        [
            lambda pk=pk: certificates.approve_certificate(certificate_id=pk, staff=staff)
            for pk in ids
        ]
    )

    assert all(isinstance(result, IncomeCertificate) for result in results), results
    entries = PointEntry.objects.filter(member=member, reason=Reason.INCOME_CERTIFICATE)
    assert list(entries.values_list("reference", "points")) == [("2026", 160)]
    assert sum(1 for result in results if result.point_entry_id) == 1


def test_parallel_reviews_of_one_certificate_review_it_once():
    member, staff = MemberFactory(), StaffFactory()
    services.join(member=member)
    certificate = _upload(member)

    results = _at_once(
        [lambda: certificates.approve_certificate(certificate_id=certificate.pk, staff=staff)]
        * (PARALLEL // 2)
        + [
            lambda: certificates.reject_certificate(
                certificate_id=certificate.pk, staff=staff, reason="不鮮明"
            )
        ]
        * (PARALLEL // 2)
    )

    reviewed = [result for result in results if isinstance(result, IncomeCertificate)]
    refused = [result for result in results if isinstance(result, certificates.ReviewRefusal)]
    assert (len(reviewed), len(refused)) == (1, PARALLEL - 1)
    assert {refusal.code for refusal in refused} == {"already_reviewed"}
    credited = PointEntry.objects.filter(member=member, reason=Reason.INCOME_CERTIFICATE).count()
    certificate.refresh_from_db()
    assert credited == (1 if certificate.status == CertificateStatus.APPROVED else 0)


def test_parallel_uploads_never_pass_the_pending_limit():
    member = MemberFactory()

    results = _at_once([lambda: _upload(member)] * PARALLEL)

    stored = [result for result in results if isinstance(result, IncomeCertificate)]
    refused = [result for result in results if isinstance(result, certificates.CertificateRefusal)]
    assert len(stored) == rules.CERTIFICATE_MAX_PENDING
    assert len(refused) == PARALLEL - rules.CERTIFICATE_MAX_PENDING
    assert IncomeCertificate.objects.filter(member=member).count() == rules.CERTIFICATE_MAX_PENDING
