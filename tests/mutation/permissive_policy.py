#!/usr/bin/env python3
"""The access policy's most permissive mutants, which cargo-mutants cannot make.

cargo-mutants replaces a function's body with a value of its return type. For a row filter
(`-> Condition`) it tries `Default::default()`, which sea-query's `Condition` does not have, and
for a decision (`-> ApiResult<()>`) it cannot write `Ok(())` through the alias: so the mutants
that matter most in an access policy, "every row to everyone" and "always allowed", are
unviable there and nothing shows that the tests would notice them. This script makes them:
each row filter becomes `Condition::all()`, each decision `Ok(())`, each partnership role
lookup `Ok(PartnershipRole::Admin)`. For each, it builds and runs the whole suite (nextest stops
at the first failure) and reports whether some test caught it. The source is restored
afterwards, whatever happens.

Usage (from the repository root; slow, not part of CI):
    python3 tests/mutation/permissive_policy.py [--only NAME ...]

Runs on SQLite alone unless TEST_POSTGRES_URL is set. Set CARGO_TARGET_DIR as for the suite.
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "api" / "src" / "access" / "policy.rs"
# What each return type becomes: the most permissive value, and what it means.
PERMISSIVE = {
    "Condition": ("Condition::all()", "every row, to everyone"),
    "ApiResult<Condition>": ("Ok(Condition::all())", "every row, to everyone"),
    "ApiResult<()>": ("Ok(())", "always allowed"),
    "ApiResult<PartnershipRole>": ("Ok(PartnershipRole::Admin)", "admin in every partnership"),
}
SIGNATURE = re.compile(
    r"fn (\w+)\([^)]*\)\s*->\s*(" + "|".join(map(re.escape, PERMISSIVE)) + r")\s*\{", re.S)


def body_end(source, opening):
    """The index just past the brace that closes the one at `opening`."""
    depth = 0
    for index in range(opening, len(source)):
        depth += {"{": 1, "}": -1}.get(source[index], 0)
        if depth == 0:
            return index + 1
    raise SystemExit("unbalanced braces in policy.rs")


def mutants(source):
    """(name, what the mutant does, mutated source) for every rule outside the tests."""
    tests = [(at, body_end(source, source.index("{", at)))
             for at in (m.start() for m in re.finditer(r"#\[cfg\(test\)\]", source))]
    for match in SIGNATURE.finditer(source):
        if any(start <= match.start() < end for start, end in tests):
            continue
        name, returns = match.groups()
        value, meaning = PERMISSIVE[returns]
        opening = match.end() - 1
        mutated = (
            source[:opening]
            + "{\n    #![allow(unused_variables)]\n    "
            + value
            + "\n}"
            + source[body_end(source, opening):]
        )
        yield name, meaning, mutated


def failing_test(name):
    """Builds and runs the suite as the source now stands: the first failing test, "" when all
    pass, None when it does not build."""
    build = subprocess.run(
        ["cargo", "nextest", "run", "--workspace", "--no-run"],
        cwd=ROOT, capture_output=True, text=True)
    if build.returncode != 0:
        print(f"  {name}: does not build\n{build.stderr[-2000:]}", file=sys.stderr)
        return None
    tests = subprocess.run(["cargo", "nextest", "run", "--workspace"],
                           cwd=ROOT, capture_output=True, text=True)
    if tests.returncode == 0:
        return ""
    failed = [line.split()[-1] for line in tests.stderr.splitlines()
              if line.strip().startswith("FAIL")]
    return failed[0] if failed else "a failing run"


def caught(name):
    """Whether the suite fails with the mutant in place (None: it does not build)."""
    failed = failing_test(name)
    if failed:
        print(f"  caught by {failed}")
    return None if failed is None else bool(failed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", help="rules to mutate (default: all)")
    args = parser.parse_args()
    original = POLICY.read_text()
    # A suite that fails already would catch every mutant (a missing tool, a broken test).
    if failing_test("the unchanged source") != "":
        raise SystemExit("the suite must pass unchanged first: run .ci/run's set-up")
    results = {}
    try:
        for name, meaning, mutated in mutants(original):
            if args.only and name not in args.only:
                continue
            print(f"{name}: {meaning}", flush=True)
            started = time.monotonic()
            POLICY.write_text(mutated)
            results[name] = caught(name)
            print(f"  {time.monotonic() - started:.0f} s", flush=True)
    finally:
        POLICY.write_text(original)
    missed = [name for name, result in results.items() if result is False]
    unbuilt = [name for name, result in results.items() if result is None]
    print(f"\n{len(results)} permissive mutants: {len(results) - len(missed) - len(unbuilt)} "
          f"caught, {len(missed)} missed {missed}, {len(unbuilt)} did not build {unbuilt}")
    return 1 if missed or unbuilt else 0


if __name__ == "__main__":
    sys.exit(main())
