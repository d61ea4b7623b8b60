"""Disclosure utility: how far the numbers a commissioner is shown are from the exact ones.

For the demo and for a generated dataset (`api seed --scale N`) on SQLite it starts the server
and asks, for every partnership and indicator, `outcomeSummary` (whole partnership, and grouped
by intervention, area and sex) once as the admin (exact numbers) and once as a commissioner of
the partnership (the cell-key method, with young people withheld from its organisation left out
where there are only a few). For cells of at least 50 young people it reports, per statistic,
the median and the largest absolute difference between published and exact values, on the
indicator's own scale. The same for `serviceCoverage` as a viewer, per council area.

Usage (from the repository root):  python3 bench/disclosure.py [--scale 0.1]

Needs cargo; standard library only. Results go to target/bench/disclosure.md.
"""

import argparse
import os
import shutil
import statistics
from pathlib import Path

from bench import ROOT, SECRET, Server, Sqlite, Tokens, as_uuid, graphql, log, run

STATISTICS = ["participants", "meanBaseline", "meanLatest", "meanChange", "percentImproved",
              "percentAchieved"]
GROUPINGS = [[], ["INTERVENTION"], ["AREA"], ["SEX"]]
LARGE = 50
SUMMARY = """query($input: OutcomeSummaryInput!) { outcomeSummary(input: $input) {
  cells { intervention { id } areaCode sex participants meanBaseline meanLatest meanChange
          percentImproved percentAchieved suppressed }
} }"""
COVERAGE = "{ serviceCoverage { areaCode participantsEnrolled } }"


def debug_binary(out):
    log("building the server: cargo build -p api")
    run(["cargo", "build", "-p", "api"], capture=False)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = out / "api-debug"
    shutil.copy2(target / "debug" / "api", binary)
    return binary


def cell_key(cell):
    return ((cell["intervention"] or {}).get("id"), cell["areaCode"], cell["sex"])


def compare(port, tokens, admin, partnerships, indicators, differences):
    for partnership, commissioner in partnerships:
        published_token = tokens(commissioner)
        for code, indicator in indicators:
            for grouping in GROUPINGS:
                scope = {"indicatorId": indicator, "partnershipId": partnership,
                         "groupBy": grouping}
                exact = graphql(port, tokens(admin), SUMMARY, {"input": scope})
                shown = graphql(port, published_token, SUMMARY, {"input": scope})
                shown_cells = {cell_key(cell): cell
                               for cell in shown["outcomeSummary"]["cells"]}
                for cell in exact["outcomeSummary"]["cells"]:
                    published = shown_cells.get(cell_key(cell))
                    if cell["participants"] < LARGE or published is None:
                        continue
                    for statistic in STATISTICS:
                        if cell[statistic] is not None and published[statistic] is not None:
                            differences.setdefault((code, statistic), []).append(
                                abs(published[statistic] - cell[statistic]))


def coverage(port, tokens, admin, viewer, differences):
    exact = graphql(port, tokens(admin), COVERAGE)["serviceCoverage"]
    shown = {area["areaCode"]: area for area in
             graphql(port, tokens(viewer), COVERAGE)["serviceCoverage"]}
    for area in exact:
        published = shown[area["areaCode"]]["participantsEnrolled"]
        if area["participantsEnrolled"] >= LARGE and published is not None:
            differences.setdefault(("(coverage)", "participantsEnrolled"), []).append(
                abs(published - area["participantsEnrolled"]))


def measure(binary, out, dataset, seed_args, port):
    db = Sqlite(out, f"disclosure_{dataset}")
    db.create()
    env = {"DATABASE_URL": db.url, "JWT_SECRET": SECRET, "LOG_LEVEL": "warn"}
    log(f"== {dataset}: api seed {' '.join(seed_args)}")
    run([str(binary), "seed", *seed_args], env=env)
    # The demo's admin and the seed's differ.
    admin = db.rows("SELECT email FROM users WHERE role = 'ADMIN' LIMIT 1")[0][0]
    partnerships = [
        (as_uuid(partnership), email) for partnership, email in db.rows(f"""
        SELECT {db.id('m.partnership_id')}, MIN(u.email)
        FROM partnership_members m JOIN users u ON u.organisation_id = m.organisation_id
        WHERE m.role = 'COMMISSIONER' AND m.left_on IS NULL AND u.role = 'COMMISSIONER'
          AND u.active
        GROUP BY m.partnership_id""")]
    indicators = [(code, as_uuid(indicator)) for code, indicator in
                  db.rows(f"SELECT code, {db.id('id')} FROM indicators ORDER BY code")]
    viewer = db.rows("SELECT email FROM users WHERE role = 'VIEWER' AND active LIMIT 1")[0][0]
    server = Server(binary, db, port, out, {})
    differences = {}
    try:
        tokens = Tokens(binary, db)
        compare(port, tokens, admin, partnerships, indicators, differences)
        coverage(port, tokens, admin, viewer, differences)
    finally:
        server.stop()
        db.drop()
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="0.1", help="scale of the generated dataset")
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--out", default=str(ROOT / "target" / "bench"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    binary = debug_binary(out)
    lines = [f"| dataset | indicator | statistic | cells of ≥ {LARGE} | median difference "
             "| largest difference |", "|---|---|---|---|---|---|"]
    for dataset, seed_args in [("demo", ["--demo"]), (f"seed --scale {args.scale}",
                                                      ["--scale", args.scale])]:
        differences = measure(binary, out, dataset.split()[0], seed_args, args.port)
        for (code, statistic), values in sorted(differences.items()):
            lines.append(f"| {dataset} | {code} | {statistic} | {len(values)} | "
                         f"{statistics.median(values):.3f} | {max(values):.3f} |")
    report = "\n".join(lines) + "\n"
    (out / "disclosure.md").write_text(report)
    print(report)


if __name__ == "__main__":
    main()
