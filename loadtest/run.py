"""`make loadtest`: a class of testers on several hosts (README "Load test").

Creates a throwaway `<name>_loadtest` database next to DATABASE_URL's (PostgreSQL, with
Django's test-database machinery: migrated, then dropped), seeds LOADTEST_MEMBERS
generated members (demo.fake_data, in bulk), and serves them as production would run
several hosts: two gunicorn instances (DEBUG off, the cache from CACHE_URL, Redis in CI)
behind a round-robin proxy (devserver.RoundRobinProxy, PORTAL_TRUSTED_PROXIES=1). A load
generator in a process of its own (loadtest/load.py, threads, no Django) plays one
tester per member for LOADTEST_SECONDS: logging in, browsing, borrowing and repaying
through the confirmation step, each confirmation sent twice at once (a double click).

Afterwards it prints per page the requests, their statuses and p50/p95 latency, and
checks:
- no answer 5xx and no request without an answer;
- each double-sent confirmation led both times to the same entry, and every borrowing
  or repayment booked during the run is one that a tester reached (exactly once);
- the ledger invariant for every member (history.invariants.ledger_breaches).
It exits non-zero if any check fails. Nothing here asserts a time.

    LOADTEST_SECONDS=120  LOADTEST_MEMBERS=50
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
HOSTS = 2
WORKERS = 2  # per host
THREADS = 4  # per worker: a request waiting on a row lock does not hold up the others
SEED = 2026
# A Wednesday noon in Tokyo: no maintenance window, and the same dataset on every run.
FAKE_NOW = "2026-12-09T12:00:00+09:00"


def _environment(workdir: Path) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "loadtest.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "PORTAL_DEMO": "0",
        "PORTAL_FAKE_NOW": FAKE_NOW,
        "PORTAL_TRUSTED_PROXIES": "1",  # the proxy appends the tester's address
        "EMAIL_URL": "dummymail://",  # new-browser alerts and transaction mails go nowhere
        "LOG_LEVEL": "WARNING",
        "LOADTEST_STATIC_ROOT": str(workdir / "static"),
    }


def _seed(count: int) -> list[dict]:
    """Create `count` generated members in bulk; return their card logins."""
    from demo.fake_data import GENERATED_PIN, generate_members
    from demo.models import Scenario

    members = generate_members(count=count, scenario=Scenario.RANDOM, seed=SEED)
    return [{"card_number": member.card_number, "pin": GENERATED_PIN} for member in members]


def _pages() -> dict[str, str]:
    from django.urls import reverse

    marker = "4242424242"
    pages = {
        "login": reverse("members:login"),
        "login_card": reverse("members:login-card"),
        "mypage": reverse("members:mypage"),
        "history": reverse("history:history"),
        "points": reverse("points:points"),
        "interest": reverse("history:interest"),
    }
    for operation in ("borrow", "repay"):
        pages[operation] = reverse(f"history:{operation}")
        pages[f"{operation}_confirm"] = reverse(f"history:{operation}-confirm")
        # A pattern of the done page's address: the entry's id in its group.
        done = reverse(f"history:{operation}-done", args=[int(marker)])
        pages[f"{operation}_done"] = "^" + done.replace(marker, r"(\d+)") + "$"
    return pages


def _drive(proxy, members: list[dict], pages: dict, seconds: float) -> dict:
    plan = {
        "host": proxy.host,
        "port": proxy.port,
        "seed": SEED,
        "seconds": seconds,
        "members": members,
        "pages": pages,
    }
    generator = subprocess.run(
        [sys.executable, "-m", "loadtest.load"],
        input=json.dumps(plan),
        stdout=subprocess.PIPE,
        text=True,
        cwd=BASE_DIR,
        timeout=seconds + 300,
        check=False,
    )
    if generator.returncode:
        raise SystemExit("load generator failed")
    return json.loads(generator.stdout)


def _table(results: dict) -> str:
    rows = [("page", "requests", "statuses", "p50 ms", "p95 ms")]
    for page in sorted(results["statuses"]):
        statuses = results["statuses"][page]
        latencies = results["latencies"][page]
        if len(latencies) > 1:
            cuts = statistics.quantiles(latencies, n=100, method="inclusive")
            p50, p95 = cuts[49], cuts[94]
        else:
            p50 = p95 = latencies[0]
        rows.append(
            (
                page,
                str(sum(statuses.values())),
                " ".join(f"{status}×{n}" for status, n in sorted(statuses.items())),
                f"{p50 * 1000:.0f}",
                f"{p95 * 1000:.0f}",
            )
        )
    total = sum(sum(statuses.values()) for statuses in results["statuses"].values())
    rows.append(("all", str(total), f"{total / results['seconds']:.1f} req/s", "", ""))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column in (0, 2) else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    lines.insert(-1, "-" * len(lines[0]))
    return "\n".join(lines)


def _failures(results: dict, members: list[dict], first_new_entry: int) -> list[str]:
    """Return every check that failed (see the module docstring)."""
    from history.invariants import ledger_breaches
    from history.models import Kind, LedgerEntry
    from members.models import Member

    failures = []
    for page, statuses in results["statuses"].items():
        for status, count in statuses.items():
            if not status.isdigit() or int(status) >= 500:
                failures.append(f"{page}: {count} answered {status}")
    failures += results["problems"]
    ids = dict(
        Member.objects.filter(
            card_number__in=[member["card_number"] for member in members]
        ).values_list("card_number", "pk")
    )
    booked = {ids[card_number]: set(entries) for card_number, entries in results["booked"].items()}
    new = LedgerEntry.objects.filter(
        pk__gte=first_new_entry, kind__in=[Kind.BORROWING, Kind.REPAYMENT]
    ).values_list("member_id", "pk")
    written: dict[int, set[int]] = {}
    for member_id, pk in new:
        written.setdefault(member_id, set()).add(pk)
    for member_id in ids.values():
        if written.get(member_id, set()) != booked.get(member_id, set()):
            failures.append(
                f"member {member_id}: entries booked {sorted(written.get(member_id, ()))}, "
                f"confirmed to the tester {sorted(booked.get(member_id, ()))}"
            )
    failures += [str(breach) for breach in ledger_breaches(list(ids.values()))]
    return failures


def main() -> None:
    seconds = float(os.environ.get("LOADTEST_SECONDS", "120"))
    count = int(os.environ.get("LOADTEST_MEMBERS", "50"))
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "make loadtest needs PostgreSQL: DATABASE_URL=postgres://… (and CACHE_URL=redis://… "
            "as in production); it creates and drops a <name>_loadtest database next to it"
        )
    with tempfile.TemporaryDirectory(prefix="portal-loadtest-") as workdir:
        os.environ.update(_environment(Path(workdir)))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from devserver import database_url, gunicorn_servers, round_robin_proxy
        from history.models import LedgerEntry

        configured_name = connection.settings_dict["NAME"]
        connection.settings_dict["TEST"]["NAME"] = f"{configured_name}_loadtest"
        started = time.perf_counter()
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            members = _seed(count)
            call_command("collectstatic", interactive=False, verbosity=0)
            first_new_entry = (
                LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            ) + 1
            pages = _pages()
            env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}
            connection.close()
            with (
                gunicorn_servers(
                    HOSTS, env=env, workers=WORKERS, threads=THREADS, ready_path=pages["login"]
                ) as servers,
                round_robin_proxy(servers) as proxy,
            ):
                setup = time.perf_counter() - started
                print(
                    f"{count} testers for {seconds:.0f} s against {HOSTS} gunicorn instances "
                    f"({WORKERS} workers × {THREADS} threads) behind a round-robin proxy, on "
                    f"{connection.vendor} (set-up {setup:.1f} s)",
                    flush=True,
                )
                results = _drive(proxy, members, pages, seconds)
                served = list(proxy.served)
            failures = _failures(results, members, first_new_entry)
        finally:
            connection.creation.destroy_test_db(configured_name, verbosity=0)

    print(_table(results))
    print(f"requests per instance: {', '.join(str(n) for n in served)}")
    booked = sum(len(entries) for entries in results["booked"].values())
    print(f"borrowings and repayments booked: {booked}, each confirmed twice at once")
    if failures:
        print(f"\nFAILED ({len(failures)}):", *failures[:50], sep="\n  ")
        raise SystemExit(1)
    print(f"OK: no 5xx, exactly once, the ledger invariant holds for all {count} members")


if __name__ == "__main__":
    main()
