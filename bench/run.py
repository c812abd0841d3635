"""`make bench`: what the main pages cost, next to a bare Django view (SPEC §11 "Speed").

Seeds a reproducible dataset into a throwaway database (a temporary SQLite file, or a
`<name>_bench` database next to DATABASE_URL's), serves it with gunicorn on loopback
with production settings, drives it from a load generator in a process of its own
(bench/load.py), and prints one table; bench/results.json keeps the numbers. Nothing
here asserts a time. Argon2 dominates the card login, as it should in production.

    BENCH_SECONDS=3 (per page, after a 1 s warm-up)  BENCH_CONCURRENCY=4

SQLite by default; with DATABASE_URL (and CACHE_URL) set, PostgreSQL (and Redis). Each
database has its own entry in bench/results.json: a run replaces its own, keeps the other.
"""

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"
MEMBERS = 1_000
TRANSACTIONS = 100  # ledger entries per generated member, about
DENSE_ENTRIES = 100_000  # one member with a long history: the history pages must not mind
DENSE_CARD, DENSE_PIN = "3999999999", "0000"
SMALL_ENTRIES = 100  # the same pages for a member with an ordinary history, to compare with
SMALL_CARD, SMALL_PIN = "3999999998", "0000"
# History length must not matter: each page of the dense member, next to the small one's.
COMPARED_PAGES = ("mypage", "history", "CSV of a month")
SEED = 2026
CPU_REQUESTS = 50  # at most, per page, for its CPU time in this process (1 s of it at most)
WORKERS = 2
WARMUP = 1.0
# A Wednesday noon in Tokyo: no maintenance window, and the same dataset on every run.
FAKE_NOW = "2026-12-09T12:00:00+09:00"


def _environment(workdir: Path) -> dict[str, str]:
    """Return the settings, by environment, of this process and of the servers."""
    environment = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "PORTAL_DEMO": "0",
        "PORTAL_FAKE_NOW": FAKE_NOW,
        "PORTAL_IP_THROTTLE": "1000000/1m",  # the bench logs in from one address all the time
        "EMAIL_URL": "dummymail://",  # new-browser alerts go nowhere
        "LOG_LEVEL": "WARNING",
        "BENCH_STATIC_ROOT": str(workdir / "static"),
        # Each worker keeps its connection, as production should (README, CONN_MAX_AGE).
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    if not os.environ.get("DATABASE_URL"):
        environment["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    return environment


def _create_throwaway_database(workdir: Path) -> str:
    """Create and migrate the bench database with Django's test-database machinery.

    Return the configured name, which `destroy_test_db` needs to drop it again.
    """
    from django.db import connection

    configured_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        # The servers must reach the database too: a file, not the in-memory default.
        connection.settings_dict["TEST"]["NAME"] = str(workdir / "bench.sqlite3")
    else:
        connection.settings_dict["TEST"]["NAME"] = f"{configured_name}_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return configured_name


def _generate_members() -> None:
    """Create the generated members in bulk; their ledger gives them histories.

    demo.fake_data hashes their shared PIN once: hashing a thousand PINs would time
    Argon2, not the seeding.
    """
    from demo.fake_data import Scenario, generate_members

    generate_members(count=MEMBERS, scenario=Scenario.RANDOM, seed=SEED, transactions=TRANSACTIONS)


def _member(*, number: str, card: str, pin: str, name: str, plan: str, entries: int) -> int:
    """Create a member with about `entries` ledger entries; return how many it got."""
    from django.contrib.auth.hashers import make_password

    from history.seeding import seed_histories
    from members.models import DueDay, LoanContract, Member
    from portal import clock

    member = Member.objects.create(
        member_number=number,
        card_number=card,
        pin=make_password(pin),
        password=make_password(None),
        name_kanji=name,
        name_kana="リレキ テスト",
        email=f"{number}@example.jp",
        email_verified=True,
    )
    member.contract = LoanContract.objects.create(
        member=member,
        credit_limit=500_000,
        annual_rate=Decimal("17.80"),
        due_day=DueDay.TWENTY_FIFTH,
    )
    return seed_histories([(member, plan)], today=clock.today(), transactions=entries)


def _compared_members() -> dict[str, int]:
    """Create the member with DENSE_ENTRIES ledger entries (ten years of them) and the one
    with about SMALL_ENTRIES; return their entry counts."""
    from history.seeding import Plan

    dense = _member(
        number="399999999", card=DENSE_CARD, pin=DENSE_PIN, name="履歴 多子",
        plan=Plan.DENSE, entries=DENSE_ENTRIES,
    )  # fmt: skip
    small = _member(
        number="399999998", card=SMALL_CARD, pin=SMALL_PIN, name="履歴 少子",
        plan=Plan.STANDARD, entries=SMALL_ENTRIES,
    )  # fmt: skip
    return {"dense_member_entries": dense, "small_member_entries": small}


def _seed() -> dict:
    """Seed generated members with histories, the dense member and the personas; time it."""
    from demo.personas import reset_demo_personas
    from history.models import LedgerEntry
    from members.models import Member

    compared = _compared_members()  # first, so the generated members draw numbers around it
    started = time.perf_counter()
    _generate_members()
    reset_demo_personas()
    seconds = time.perf_counter() - started
    return {
        "members": Member.objects.filter(member_number__isnull=False).count(),
        "ledger_entries": LedgerEntry.objects.count(),
        "seconds": round(seconds, 2),
        **compared,
    }


def _pages() -> list[dict]:
    """Return what the load generator measures, in the order of the table."""
    from django.contrib.auth.hashers import make_password
    from django.urls import reverse

    from demo.personas import PERSONAS
    from members.models import ContractStatus

    login_page, login_action = reverse("members:login"), reverse("members:login-card")
    # One persona per browser, so parallel logins do not queue on one member's row.
    logins = [
        {"card_number": persona.card_number, "pin": persona.pin}
        for persona in PERSONAS
        if not persona.card_locked and persona.status != ContractStatus.TERMINATED
    ]
    logged_in = {"logins": logins, "login_page": login_page, "login_action": login_action}
    get = {"method": "GET", "expect": 200}
    card_login = {
        "path": login_action,
        "method": "POST",
        "expect": 302,
        "forms": logins,
        "form_page": login_page,
    }
    # A month's statement (about 800 rows of the dense member's), as members download.
    month_csv = f"{reverse('history:history-csv')}?date_from=2026-11-01&date_to=2026-11-30"
    pages = [
        {"name": "baseline", "path": reverse("bench-baseline"), **get},
        {"name": "login page", "path": login_page, **get},
        {"name": "card login", **card_login},
        # One browser: the login's own latency, without queueing behind other logins, next
        # to one Argon2 verify of the same PIN timed by the load generator after each login.
        {
            "name": "card login, one browser",
            **card_login,
            "concurrency": 1,
            "verify": {"encoded": make_password(logins[0]["pin"]), "secret": logins[0]["pin"]},
        },
        {"name": "member floor", "path": reverse("bench:floor"), **get, **logged_in},
        {"name": "mypage", "path": reverse("members:mypage"), **get, **logged_in},
        {"name": "history", "path": reverse("history:history"), **get, **logged_in},
        {"name": "points", "path": reverse("points:points"), **get, **logged_in},
    ]
    compared = {"mypage": reverse("members:mypage"), "history": reverse("history:history")}
    compared["CSV of a month"] = month_csv
    for entries, card, pin in (
        (SMALL_ENTRIES, SMALL_CARD, SMALL_PIN),
        (DENSE_ENTRIES, DENSE_CARD, DENSE_PIN),
    ):
        member = {**logged_in, "logins": [{"card_number": card, "pin": pin}]}
        for name in COMPARED_PAGES:
            pages.append(
                {"name": f"{name}, {entries:,} entries", "path": compared[name], **get, **member}
            )
    return pages


def _history_length_ratios(pages: list[dict]) -> dict[str, float]:
    """Return each compared page's p50 for the dense member over the small member's."""
    by_name = {page["name"]: page for page in pages}
    return {
        name: round(
            by_name[f"{name}, {DENSE_ENTRIES:,} entries"]["p50_ms"]
            / by_name[f"{name}, {SMALL_ENTRIES:,} entries"]["p50_ms"],
            2,
        )
        for name in COMPARED_PAGES
    }


def _argon2_parameters() -> dict:
    """Return the hasher of new PINs and its cost parameters."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher()
    return {
        "hasher": hasher.algorithm,
        "time_cost": getattr(hasher, "time_cost", None),
        "memory_cost_kib": getattr(hasher, "memory_cost", None),
        "parallelism": getattr(hasher, "parallelism", None),
    }


def _in_process(page: dict) -> tuple[int, float]:
    """Return the queries of one request to `page` and the median CPU time (ms) of its
    requests, in this process with the test client.

    CPU time of this process, unlike a server's requests/s, hardly moves with what else
    the machine runs. It includes SQLite's work, not PostgreSQL's (another process).
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    if page.get("logins"):
        client.post(page["login_action"], page["logins"][0])

    def request():
        if page["method"] == "GET":
            return client.get(page["path"])
        return client.post(page["path"], page["forms"][0])

    request()  # the first request fills per-process caches
    with CaptureQueriesContext(connection) as captured:
        status = request().status_code
    queries = len(captured)  # the next request's request_started empties the log it reads
    if status != page["expect"]:
        raise SystemExit(f"{page['name']}: HTTP {status} in process, expected {page['expect']}")
    timings, started = [], time.process_time()
    while len(timings) < CPU_REQUESTS and (len(timings) < 3 or time.process_time() - started < 1):
        before = time.process_time()
        request()
        timings.append(time.process_time() - before)
    return queries, statistics.median(timings) * 1000


def _peak_rss_mb(pid: int) -> float:
    """Return the peak resident memory of a process (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LookupError(f"no VmHWM for process {pid}")


def _drive(server, pages: list[dict], *, concurrency: int, seconds: float) -> list[dict]:
    plan = {
        "host": server.host,
        "port": server.port,
        "concurrency": concurrency,
        "warmup": WARMUP,
        "seconds": seconds,
        "pages": pages,
    }
    generator = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(plan),
        stdout=subprocess.PIPE,  # the results; its progress goes to our stderr
        text=True,
        cwd=BENCH_DIR.parent,
        # A slow page may overrun its window; each page follows a burst of the bare view.
        timeout=len(pages) * (2 * WARMUP + seconds + 2 + 60) + 120,
        check=False,
    )
    if generator.returncode:
        raise SystemExit(f"load generator failed\n{server.output()}")
    return json.loads(generator.stdout)


def _table(results: dict) -> str:
    rows = [("page", "× baseline", "cpu ×", "req/s", "p50 ms", "p95 ms", "queries", "unexpected")]
    for page in results["pages"]:
        rows.append(
            (
                f"{page['method']} {page['name']}",
                f"{page['baseline_ratio']:.1f}",
                f"{page['cpu_ratio']:.1f}",
                f"{page['requests_per_second']:.1f}",
                f"{page['p50_ms']:.1f}",
                f"{page['p95_ms']:.1f}",
                str(page["queries"]),
                str(page["unexpected"]),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    seed = results["seed"]
    argon2 = results["argon2_verify"]
    rss = ", ".join(f"{mb:.0f}" for mb in results["workers_peak_rss_mb"])
    ratios = ", ".join(f"{name} {ratio:.2f}×" for name, ratio in results["history_length"].items())
    lines += [
        "",
        "× baseline: how many bare Django requests one page costs (req/s of the bare view, "
        "measured just before the page, ÷ the page's req/s)",
        "cpu ×: the page's median CPU time per request in the bench process (test client) ÷ "
        "the bare view's (SQLite's work included, PostgreSQL's not)",
        "queries: statements of one request as Django logs them (BEGIN/COMMIT included)",
        "unexpected: answers other than the page's 200 (302 for the login), or no answer",
        f"history length: p50 with {DENSE_ENTRIES:,} entries ÷ p50 with "
        f"{seed['small_member_entries']} entries: {ratios}",
        f"Argon2 ({argon2['hasher']}, t={argon2['time_cost']}, m={argon2['memory_cost_kib']} KiB, "
        f"p={argon2['parallelism']}): one PIN verify p50 {argon2['verify_p50_ms']:.1f} ms "
        "(timed by the load generator between the one-browser logins); that login's p50 is "
        f"{results['card_login_per_verify']:.2f}× it",
        f"seed: {seed['members']} members and their histories in {seed['seconds']:.1f} s; "
        f"{seed['ledger_entries']} ledger entries with the dense member's",
        f"gunicorn: {results['workers']} workers, peak RSS per worker (MiB): {rss}",
        f"load: {results['concurrency']} browsers (unless the page says) for "
        f"{results['seconds']:.0f} s per page, on {results['database']} "
        f"(cache: {results['cache']}, CONN_MAX_AGE {results['conn_max_age']}, "
        f"sessions: {results['session_engine']}) and {os.cpu_count()} CPUs "
        "(shared with the load generator)",
    ]
    return "\n".join(lines)


def _save(results: dict) -> None:
    """Write this run's results under its database's name; keep the other database's."""
    try:
        saved = json.loads(RESULTS.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        saved = {}
    runs = saved.get("runs", {}) if isinstance(saved.get("runs"), dict) else {}
    runs[results["database"]] = results
    RESULTS.write_text(json.dumps({"runs": dict(sorted(runs.items()))}, indent=2) + "\n")


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))
    concurrency = int(os.environ.get("BENCH_CONCURRENCY", "4"))
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as workdir:
        os.environ.update(_environment(Path(workdir)))
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from devserver import database_url, gunicorn_servers

        configured_name = _create_throwaway_database(Path(workdir))
        try:
            seed = _seed()
            call_command("collectstatic", interactive=False, verbosity=0)
            pages = _pages()
            in_process = [_in_process(page) for page in pages]
            argon2 = _argon2_parameters()
            env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict)}
            connection.close()
            with gunicorn_servers(
                1, env=env, workers=WORKERS, ready_path=pages[0]["path"]
            ) as servers:
                measured = _drive(servers[0], pages, concurrency=concurrency, seconds=seconds)
                peak_rss = [_peak_rss_mb(pid) for pid in servers[0].worker_pids()]
        finally:
            connection.creation.destroy_test_db(configured_name, verbosity=0)

    pages = [
        {
            **page,
            "queries": count,
            "cpu_ms": round(cpu_ms, 2),
            # CPU time in the bench process against the bare view's: steadier than req/s
            # on a busy machine (SQLite's work included, PostgreSQL's not).
            "cpu_ratio": round(cpu_ms / in_process[0][1], 2),
            # The headline: machine-independent, unlike the absolute figures. Against the
            # bare view measured just before the page, under the same machine load.
            "baseline_ratio": round(
                page["baseline_requests_per_second"] / page["requests_per_second"], 2
            ),
        }
        for page, (count, cpu_ms) in zip(measured, in_process, strict=True)
    ]
    one_browser_login = next(page for page in pages if page["name"] == "card login, one browser")
    argon2["verify_p50_ms"] = round(one_browser_login.pop("verify_p50_ms"), 1)
    results = {
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": connection.vendor,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "session_engine": settings.SESSION_ENGINE.rsplit(".", 1)[-1],
        "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
        "workers": WORKERS,
        "concurrency": concurrency,
        "seconds": seconds,
        "seed": seed,
        "pages": pages,
        "history_length": _history_length_ratios(pages),
        "argon2_verify": argon2,
        "card_login_per_verify": round(one_browser_login["p50_ms"] / argon2["verify_p50_ms"], 2),
        "workers_peak_rss_mb": peak_rss,
    }
    _save(results)
    print(_table(results))
    print(f"\nwritten to {RESULTS.relative_to(BENCH_DIR.parent)} ({results['database']})")


if __name__ == "__main__":
    main()
