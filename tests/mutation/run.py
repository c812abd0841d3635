"""`make mutation`: mutation testing of the money rules (issue 16).

1. mutmut (configured in pyproject.toml, [tool.mutmut]) changes the code of the money
   modules one small change at a time (a `<` into `<=`, a `+ 1` into `+ 2`, an `or` into
   an `and`…) and runs the unit tests that reach the changed function: a change no test
   notices *survives*.
2. The hand mutations of tests/mutation/hand.py change what mutmut leaves alone: the
   constants (rates, 365/366, the 1,000-yen unit, the 30 free days, the first-due-date
   table, 20% late damages, fees, point costs) and the properties of the position.
3. A survivor listed in tests/mutation/equivalent.toml (it cannot change what the code
   does; each entry says why) is accepted; any other survivor, a mutant no selected test
   reaches, or an entry of that list that no longer matches a survivor fails the run.

Run from the project root with the project's Python (the Makefile target does).
"""

import argparse
import collections
import concurrent.futures
import fnmatch
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tests.mutation.hand import HAND_MUTATIONS, HandMutation

ROOT = Path(__file__).resolve().parents[2]
EQUIVALENT_FILE = ROOT / "tests" / "mutation" / "equivalent.toml"

# Which mutants mutmut runs: every function of a module, or only its money functions.
SCOPE = [
    "history.interest.*",
    "history.schedule.*",
    "history.accounting.*",
    "history.atm.x_atm_fee__mutmut_*",  # the fee rule; the rest of history.atm is sessions
    "points.rules.*",
]

# mutmut's exit codes of a mutant's test run (mutmut.stats.status_by_exit_code).
KILLED_CODES = {1, 3}
TIMEOUT_CODES = {-24, 24, 152, 255, 36}  # a change that makes the tests hang is noticed too


@dataclass(frozen=True)
class Mutant:
    key: str  # history.schedule.x_due_date_after__mutmut_3
    exit_code: int | None

    @property
    def module(self) -> str:
        return self.key.rsplit(".", 1)[0]

    @property
    def function(self) -> str:
        return self.key.partition("__mutmut_")[0]

    @property
    def status(self) -> str:
        if self.exit_code in KILLED_CODES:
            return "killed"
        if self.exit_code in TIMEOUT_CODES:
            return "timeout"
        return {0: "survived", 5: "no tests", 33: "no tests", None: "not run"}.get(
            self.exit_code, f"error {self.exit_code}"
        )


def environment() -> dict[str, str]:
    """The tests' environment: SQLite and the local-memory cache, whatever the shell has
    (mutmut runs mutants in parallel, which one PostgreSQL test database would not take)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    env.setdefault("PORTAL_BASE_URL", "http://testserver")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def test_selection() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return config["pytest_add_cli_args_test_selection"]


# --- mutmut ----------------------------------------------------------------------------


def run_mutmut(log: Path) -> None:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)  # always from scratch, as CI does
    mutmut = Path(sys.executable).with_name("mutmut")
    with log.open("w") as out:
        code = subprocess.run(
            [str(mutmut), "run", *SCOPE], cwd=ROOT, env=environment(), stdout=out, stderr=out
        ).returncode
    if code != 0:
        print(f"mutmut failed (exit {code}); the end of its output ({log}):")
        print("\n".join(readable(log.read_text(errors="replace")).splitlines()[-40:]))
        sys.exit(2)


def readable(output: str) -> str:
    """mutmut's output without its spinner and progress lines."""
    lines = output.replace("\r", "\n").splitlines()
    spinner = tuple("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
    return "\n".join(line for line in lines if line.strip() and not line.startswith(spinner))


def mutmut_results() -> list[Mutant]:
    mutants = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        exit_codes = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
        mutants += [
            Mutant(key, code)
            for key, code in exit_codes.items()
            if any(fnmatch.fnmatch(key, pattern) for pattern in SCOPE)
        ]
    return mutants


def diff_of(mutant: Mutant) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        path = Path(*mutant.module.split(".")).with_suffix(".py")
        return get_diff_for_mutant(mutant.key, path=path)
    finally:
        os.chdir(cwd)


def changed_lines(diff: str) -> tuple[str, str]:
    """The removed and the added lines of a mutant's diff, stripped."""
    lines = [line for line in diff.splitlines() if not line.startswith(("---", "+++", "@@"))]
    removed = "\n".join(line[1:].strip() for line in lines if line.startswith("-"))
    added = "\n".join(line[1:].strip() for line in lines if line.startswith("+"))
    return removed, added


def load_equivalents() -> list[dict]:
    entries = tomllib.loads(EQUIVALENT_FILE.read_text("utf-8"))["mutant"]
    for entry in entries:
        missing = {"function", "removed", "added", "reason"} - set(entry)
        if missing:
            sys.exit(f"{EQUIVALENT_FILE}: an entry lacks {sorted(missing)}: {entry}")
        entry["removed"], entry["added"] = entry["removed"].strip(), entry["added"].strip()
    return entries


# --- Hand mutations --------------------------------------------------------------------

COPIED = ["portal", "members", "history", "points", "demo", "tests", "templates", "static",
          "locale", "manage.py", "pyproject.toml"]  # fmt: skip


def copy_project(into: Path) -> Path:
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, into / name)
    return into


def run_hand_mutations(workers: int) -> list[tuple[HandMutation, str, str]]:
    """Apply each hand mutation to a copy of the project and run the selected tests there;
    return (mutation, "killed" / "survived" / "error …", output when not killed)."""
    for mutation in HAND_MUTATIONS:
        count = (ROOT / mutation.path).read_text("utf-8").count(mutation.before)
        if count != 1:
            sys.exit(
                f"tests/mutation/hand.py: {mutation.path} has {count} times "
                f"{mutation.before!r}, not once: update the hand mutation to the code."
            )
    # The newest, most pointed tests first: with -x a killed mutation stops at its first failure.
    tests = test_selection()[::-1]
    with tempfile.TemporaryDirectory(prefix="portal-mutation-") as tmp:
        copies: queue.Queue[Path] = queue.Queue()
        for index in range(workers):
            copies.put(copy_project(Path(tmp) / str(index)))

        def run_one(mutation: HandMutation) -> tuple[HandMutation, str, str]:
            copy = copies.get()
            target = copy / mutation.path
            original = target.read_text("utf-8")
            try:
                target.write_text(original.replace(mutation.before, mutation.after), "utf-8")
                result = subprocess.run(
                    [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                    cwd=copy,
                    env=environment(),
                    capture_output=True,
                    text=True,
                )
            finally:
                target.write_text(original, "utf-8")
                copies.put(copy)
            status = {1: "killed", 0: "survived"}.get(
                result.returncode, f"error {result.returncode}"
            )
            return mutation, status, "" if status == "killed" else result.stdout + result.stderr

        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run_one, HAND_MUTATIONS))


# --- The report ------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-mutmut", action="store_true", help="report the last mutants/")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()

    started = time.monotonic()
    log = ROOT / "mutants-run.log"
    if not args.skip_mutmut:
        print("== mutmut over the money modules (tests/mutation/run.py; its log: mutants-run.log)")
        run_mutmut(log)
    mutants = mutmut_results()
    if not mutants:
        sys.exit("no mutant found in mutants/: did mutmut run?")
    mutmut_seconds = time.monotonic() - started

    equivalents = load_equivalents()
    matched: collections.Counter[int] = collections.Counter()
    by_module: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    failures: list[tuple[Mutant, str]] = []
    for mutant in sorted(mutants, key=lambda m: (m.module, m.function, m.key)):
        status = mutant.status
        if status in ("killed", "timeout"):
            by_module[mutant.module]["killed"] += 1
            continue
        diff = diff_of(mutant)
        removed, added = changed_lines(diff)
        entry = next(
            (
                index
                for index, e in enumerate(equivalents)
                if e["function"] == mutant.function
                and (e["removed"], e["added"]) == (removed, added)
            ),
            None,
        )
        if status == "survived" and entry is not None:
            matched[entry] += 1
            by_module[mutant.module]["equivalent"] += 1
        else:
            by_module[mutant.module][status] += 1
            failures.append((mutant, diff))

    print("\n== Mutation score per module (killed / all but the equivalent ones)")
    print(f"{'module':<22}{'mutants':>8}{'killed':>8}{'equiv.':>8}{'other':>7}{'score':>9}")
    for module, counts in sorted(by_module.items()):
        total = sum(counts.values())
        killed, equivalent = counts["killed"], counts["equivalent"]
        scored = total - equivalent
        score = f"{100 * killed / scored:.1f}%" if scored else "-"
        print(f"{module:<22}{total:>8}{killed:>8}{equivalent:>8}{scored - killed:>7}{score:>9}")

    print(f"\n== Hand mutations of constants and properties ({len(HAND_MUTATIONS)})")
    hand_started = time.monotonic()
    hand_results = run_hand_mutations(args.workers)
    hand_failures = [
        (m, status, output) for m, status, output in hand_results if status != "killed"
    ]
    print(f"{len(hand_results) - len(hand_failures)} of {len(hand_results)} killed")

    stale = [e for index, e in enumerate(equivalents) if not matched[index]]
    for mutant, diff in failures:
        print(
            f"\n-- {mutant.status.upper()}: {mutant.key} (see: .venv/bin/mutmut show {mutant.key})"
        )
        print(diff)
    for mutation, status, output in hand_failures:
        print(f"\n-- HAND MUTATION {status.upper()}: {mutation.path}: {mutation.why}")
        print(f"   {mutation.before!r} -> {mutation.after!r}")
        if status != "survived":
            print("\n".join(output.splitlines()[-20:]))
    for entry in stale:
        print(
            f"\n-- LISTED AS EQUIVALENT, BUT NO SUCH SURVIVOR: {entry['function']}\n"
            f"   -{entry['removed']}\n   +{entry['added']}\n"
            "   (killed now, or the code changed: update tests/mutation/equivalent.toml)"
        )

    print(
        f"\n{sum(matched.values())} equivalent mutants accepted "
        f"({len(equivalents)} listed in tests/mutation/equivalent.toml); "
        f"mutmut {mutmut_seconds:.0f}s, hand mutations {time.monotonic() - hand_started:.0f}s"
    )
    if failures or hand_failures or stale:
        print(
            f"FAILED: {len(failures)} mutmut survivor(s) or unreached mutant(s), "
            f"{len(hand_failures)} hand mutation(s) not killed, "
            f"{len(stale)} stale equivalent entr(y/ies)"
        )
        return 1
    print("OK: every mutant that changes what the money rules do is killed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
