#!/usr/bin/env python3
"""Benchmark of the outcomes API on a generated dataset (`api seed --scale N`).

For each database (PostgreSQL, SQLite) and scale it: creates a scratch database, seeds it with
the release binary, starts the release server, and drives it with wrk at fixed concurrency:

  (a) nested read: a partnership -> its interventions (of one provider) -> their SUBMITTED
      submissions -> their outcome records, a page of each (up to 2 x 2 x 100 rows), as that
      provider;
  (b) a commissioner's dashboard: targetProgress plus outcomeSummary grouped by intervention
      for one partnership;
  (c) a nationwide outcomeSummary grouped by area, as the admin;
  (d) addOutcomeRecords with 500 rows per request;
  (e) importOutcomeRecordsCsv with a 10,000-line file per request (and a check that a file with
      one bad line writes nothing).

Each scenario gets a short warm-up and several timed runs; the report gives the medians of the
runs' requests/s, p50 and p99. On PostgreSQL it also runs the SQL that (a) needs through pgbench
at the same concurrency (the raw-SQL ceiling) and prints API / SQL. It records the server's peak
RSS (VmHWM) and drops its databases at the end.

Usage (from the repository root):  python3 bench/bench.py [--scale 1] [--databases postgres,sqlite]
Quick check:                        python3 bench/bench.py --scale 0.1 --runs 1 --duration 5

Needs: cargo, PostgreSQL with pgbench (a local server; --pg-url), wrk (installed with apt-get
when missing). Standard library only.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "graphql.lua"
SECRET = "benchmark-secret-that-is-at-least-32-bytes-long"
ADMIN = "admin@outcomes-data.example.org"
# The seed's observations end on 2026-10-31; benchmark writes go in a new period after it, one
# DRAFT submission per intervention: the CSV imports (e) fill its first IMPORT_DAYS days, the
# batches (d) the rest, so no two requests ever write the same observation.
# Three years of days, so that even scale 0.1 (about 9,000 ongoing enrolment-indicator pairs)
# has fresh observations for every request of every run.
WRITE_START = datetime.date(2026, 11, 1)
WRITE_DAYS = 1095
IMPORT_DAYS = 800
ADD_ROWS = 500
IMPORT_ROWS = 10_000

QUERY_A = """query NestedRead($partnership: ID!, $provider: ID!) {
  partnership(id: $partnership) {
    id name
    interventions(providerId: $provider, first: 2) {
      nodes {
        id name category
        submissions(status: SUBMITTED, first: 2) {
          nodes {
            id periodStart periodEnd status
            records(first: 100) {
              nodes { id enrolmentId indicatorId value observedOn phase source }
            }
          }
        }
      }
    }
  }
}"""

QUERY_B = """query Dashboard($partnership: ID!, $indicator: ID!) {
  targetProgress(partnershipId: $partnership) {
    target { id title } status actual expected participants suppressed asOf
  }
  outcomeSummary(input: {indicatorId: $indicator, partnershipId: $partnership,
                         groupBy: [INTERVENTION]}) {
    includesUnreviewed asOf
    cells {
      intervention { id name } participants records meanBaseline meanLatest meanChange
      percentImproved percentAchieved suppressed
    }
  }
}"""

QUERY_C = """query Nationwide($indicator: ID!) {
  outcomeSummary(input: {indicatorId: $indicator, groupBy: [AREA]}) {
    includesUnreviewed asOf
    cells {
      area { code name } participants records meanBaseline meanLatest meanChange
      percentImproved percentAchieved suppressed
    }
  }
}"""

# The statements (a) needs, as plain SQL with the same result rows: the ceiling for the API.
# Each connection is one page per parent (the first 2 interventions, 2 submissions of each,
# 100 records of each), as the API reads it.
PGBENCH_A = """SELECT * FROM partnerships WHERE id = :partnership;
SELECT * FROM interventions WHERE partnership_id = :partnership AND provider_id = :provider
  ORDER BY id LIMIT 3;
SELECT * FROM (
  SELECT s.*, ROW_NUMBER() OVER (PARTITION BY s.intervention_id ORDER BY s.id) AS n
  FROM evaluation_submissions s
  WHERE s.status = 'SUBMITTED' AND s.intervention_id IN (
    SELECT id FROM interventions WHERE partnership_id = :partnership AND provider_id = :provider
    ORDER BY id LIMIT 2)) paged
  WHERE n <= 3;
SELECT * FROM (
  SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.submission_id ORDER BY r.id) AS n
  FROM outcome_records r
  WHERE r.submission_id IN (
    SELECT id FROM (
      SELECT s.id, ROW_NUMBER() OVER (PARTITION BY s.intervention_id ORDER BY s.id) AS n
      FROM evaluation_submissions s
      WHERE s.status = 'SUBMITTED' AND s.intervention_id IN (
        SELECT id FROM interventions
        WHERE partnership_id = :partnership AND provider_id = :provider
        ORDER BY id LIMIT 2)) first_submissions
    WHERE n <= 2)) paged
  WHERE n <= 101;
"""

TARGETS = {
    "a": "API >= 40% of raw SQL, p50 <= 15 ms",
    "b": "p50 <= 25 ms",
    "c": "p50 <= 50 ms (SQLite <= 300 ms)",
    "d": ">= 20,000 rows/s",
    "e": ">= 20,000 rows/s",
    "f": "reported: the accept's p50, and (c) meanwhile",
}
ACCEPT = """mutation($input: ReviewSubmissionInput!) {
  reviewSubmission(input: $input) { submission { status } } }"""


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, env=None, check=True, capture=True):
    result = subprocess.run(
        command,
        env={**os.environ, **(env or {})},
        check=False,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.PIPE if capture else None,
    )
    if check and result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(map(str, command))}\n{result.stdout}{result.stderr}")
    return result


def lua(value):
    """Python data as a Lua literal."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid Lua escapes
    if isinstance(value, dict):
        return "{" + ",".join(f"{key}={lua(item)}" for key, item in value.items()) + "}"
    return "{" + ",\n".join(lua(item) for item in value) + "}"


# --- tools --------------------------------------------------------------------------------------


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("wrk not found: installing it with apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    run(sudo + ["apt-get", "update", "-qq"])
    run(sudo + ["apt-get", "install", "-y", "-qq", "wrk"])


def find_pgbench():
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
    if not candidates:
        raise SystemExit("pgbench not found (it ships with PostgreSQL's client tools)")
    return str(candidates[-1])


def build(out):
    log("building the release server: cargo build --release -p api")
    run(["cargo", "build", "--release", "-p", "api"], capture=False)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = out / "api"
    # A private copy: a rebuild in the same target directory cannot swap it mid-run.
    shutil.copy2(target / "release" / "api", binary)
    return binary


# --- databases ----------------------------------------------------------------------------------


class Postgres:
    kind = "postgres"

    def __init__(self, server_url, scale):
        self.server_url = server_url.rstrip("/")
        self.name = f"outcomes_bench_{str(scale).replace('.', '_')}"
        self.url = f"{self.server_url}/{self.name}"

    def create(self):
        self.drop()
        run(["psql", "-q", f"{self.server_url}/postgres", "-c", f'CREATE DATABASE "{self.name}"'])

    def drop(self):
        run(["psql", "-q", f"{self.server_url}/postgres", "-c",
             f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'])

    def rows(self, sql):
        out = run(["psql", "-XAt", "-F", "\t", self.url, "-c", sql]).stdout
        return [line.split("\t") for line in out.splitlines() if line]

    @staticmethod
    def id(column):
        return f"{column}::text"

    @staticmethod
    def literal(value):
        return f"'{value}'"

    def size(self):
        return self.rows(f"SELECT pg_size_pretty(pg_database_size('{self.name}'))")[0][0]


class Sqlite:
    kind = "sqlite"

    def __init__(self, out, scale):
        self.path = out / f"bench_{scale}.db"
        self.url = f"sqlite://{self.path}?mode=rwc"

    def create(self):
        self.drop()

    def drop(self):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def rows(self, sql):
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
        try:
            return [[str(cell) for cell in row] for row in connection.execute(sql)]
        finally:
            connection.close()

    @staticmethod
    def id(column):
        return f"lower(hex({column}))"

    @staticmethod
    def literal(value):
        return f"X'{uuid.UUID(value).hex}'"

    def size(self):
        total = sum(Path(f"{self.path}{s}").stat().st_size
                    for s in ("", "-wal") if Path(f"{self.path}{s}").exists())
        return f"{total // (1 << 20)} MB"


def as_uuid(text):
    return str(uuid.UUID(text))


# --- the server ---------------------------------------------------------------------------------


class Server:
    def __init__(self, binary, database, port, out, extra_env):
        self.port = port
        self.log = open(out / f"server-{database.kind}.log", "w")
        self.process = subprocess.Popen(
            [str(binary), "serve"],
            env={**os.environ, "DATABASE_URL": database.url, "JWT_SECRET": SECRET,
                 "BIND_ADDR": f"127.0.0.1:{port}", "LOG_LEVEL": "warn", "APP_ENV": "production",
                 # Slow operations are measured, not cut off at the default 10 s.
                 "REQUEST_TIMEOUT_MS": "120000", **extra_env},
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError):
                if self.process.poll() is not None:
                    raise SystemExit(f"server exited; see {self.log.name}")
                time.sleep(0.3)
        raise SystemExit("server did not become ready")

    def memory(self):
        """Peak and current resident set size, in MiB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = {key: int(value.split()[0]) for key, value in
               (line.split(":", 1) for line in status.splitlines() if line.startswith("Vm"))}
        return kib["VmHWM"] / 1024, kib["VmRSS"] / 1024

    def stop(self):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class GraphqlError(Exception):
    """A GraphQL response with errors."""


def graphql(port, token, query, variables=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json",
                 "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        body = json.load(response)
    if body.get("errors"):
        raise GraphqlError(json.dumps(body["errors"])[:800])
    return body["data"]


def upload_csv(port, token, submission, csv_text):
    boundary = "outcomes-benchmark-check"
    operations = json.dumps({
        "query": "mutation($input: ImportOutcomeRecordsCsvInput!) { "
                 "importOutcomeRecordsCsv(input: $input) { recordCount } }",
        "variables": {"input": {"submissionId": submission, "file": None}},
    })
    body = "\r\n".join([
        f"--{boundary}", 'Content-Disposition: form-data; name="operations"', "", operations,
        f"--{boundary}", 'Content-Disposition: form-data; name="map"', "",
        '{"0":["variables.input.file"]}',
        f"--{boundary}", 'Content-Disposition: form-data; name="0"; filename="records.csv"',
        "Content-Type: text/csv", "", csv_text, f"--{boundary}--", "",
    ]).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                 "Accept": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


class Tokens:
    def __init__(self, binary, database):
        self.binary, self.database, self.cache = binary, database, {}

    def __call__(self, email):
        if email not in self.cache:
            self.cache[email] = run(
                [str(self.binary), "token", "--user", email, "--ttl", "4h"],
                env={"DATABASE_URL": self.database.url, "JWT_SECRET": SECRET, "LOG_LEVEL": "warn"},
            ).stdout.strip()
        return self.cache[email]


# --- scenarios ----------------------------------------------------------------------------------


def wrk(port, mode, data_file, concurrency, duration):
    result = run(["wrk", "-t", str(min(2, concurrency)), "-c", str(concurrency),
                  "-d", f"{duration}s", "--timeout", "120s", "-s", str(LUA),
                  f"http://127.0.0.1:{port}/graphql", "--", mode, str(data_file)])
    for line in result.stdout.splitlines():
        if line.startswith("WRK_RESULT "):
            numbers = json.loads(line[len("WRK_RESULT "):])
            numbers["rps"] = numbers["requests"] / (numbers["duration_us"] / 1e6)
            if result.stderr.strip():
                numbers["stderr"] = result.stderr.strip()[:600]
            return numbers
    raise SystemExit(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")


def measure(name, port, mode, data_files, concurrency, args, server, duration=None):
    """Warm-up, then `args.runs` timed runs; the medians of requests/s, p50 and p99."""
    duration = duration or args.duration
    warmup, *timed = data_files
    wrk(port, mode, warmup, concurrency, args.warmup)
    runs = [wrk(port, mode, data_file, concurrency, duration) for data_file in timed]
    peak, current = server.memory()
    log(f"  ({name}) server RSS now {current:.0f} MB, peak so far {peak:.0f} MB")
    for number, result in enumerate(runs, 1):
        log(f"  ({name}) run {number}: {result['rps']:.1f} req/s, p50 "
            f"{result['p50_us'] / 1000:.1f} ms, p99 {result['p99_us'] / 1000:.1f} ms, "
            f"errors {result['errors']}, exhausted {result['exhausted']}")
        if result.get("stderr"):
            log(f"  ({name}) wrk stderr: {result['stderr']}")
    return {
        "concurrency": concurrency,
        "duration": duration,
        "runs": runs,
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_us"] for r in runs) / 1000,
        "p99_ms": statistics.median(r["p99_us"] for r in runs) / 1000,
        "errors": sum(r["errors"] + r["socket_errors"] for r in runs),
        "exhausted": sum(r["exhausted"] for r in runs),
        "rss_peak_mb": peak,
        "rss_now_mb": current,
    }


def read_files(out, tag, token, query, variables, count):
    body = json.dumps({"query": query, "variables": variables})
    path = out / f"{tag}.lua"
    path.write_text("return " + lua({"token": token, "body": body}) + "\n")
    return [path] * count


def pgbench(binary, database, variables, concurrency, duration, out):
    script = out / "a.sql"
    script.write_text(PGBENCH_A)
    command = [binary, "-n", "-M", "prepared", "-c", str(concurrency), "-j", "2",
               "-T", str(duration), "-f", str(script)]
    for key, value in variables.items():
        command += ["-D", f"{key}={value}"]
    result = run(command + [database.url])
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if not tps:
        raise SystemExit(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(tps.group(1)), float(latency.group(1)) if latency else None


def write_plan(db, tokens, port, count):
    """The interventions the write scenarios use: active ones with the most observations to
    spare, each with a new DRAFT submission for a period after the seeded data. Only ongoing
    enrolments get new records (a CSV line must name a young person enrolled on its date)."""
    ongoing = "e.intervention_id = i.id AND e.ended_on IS NULL"
    rows = db.rows(f"""
        SELECT {db.id('i.id')}, {db.id('i.provider_id')},
               (SELECT COUNT(*) FROM enrolments e WHERE {ongoing})
             * (SELECT COUNT(*) FROM intervention_indicators x WHERE x.intervention_id = i.id)
        FROM interventions i WHERE i.status = 'ACTIVE'
        ORDER BY 3 DESC, 1 LIMIT {count}""")
    plan = []
    end = WRITE_START + datetime.timedelta(days=WRITE_DAYS - 1)
    for intervention, provider, _ in rows:
        intervention, provider = as_uuid(intervention), as_uuid(provider)
        email = db.rows(f"""SELECT email FROM users WHERE organisation_id = {db.literal(provider)}
            AND role = 'PROVIDER' AND active ORDER BY email LIMIT 1""")[0][0]
        token = tokens(email)
        enrolments = db.rows(f"""
            SELECT {db.id('e.id')}, p.reference FROM enrolments e
            JOIN participants p ON p.id = e.participant_id
            WHERE e.intervention_id = {db.literal(intervention)} AND e.ended_on IS NULL
            ORDER BY e.id""")
        indicators = db.rows(f"""
            SELECT {db.id('d.id')}, d.code, d.unit, COALESCE(d.scale_min, 0),
                   COALESCE(d.scale_max, 0)
            FROM intervention_indicators x JOIN indicators d ON d.id = x.indicator_id
            WHERE x.intervention_id = {db.literal(intervention)} ORDER BY d.code""")
        submission = graphql(port, token, """mutation($input: CreateSubmissionInput!) {
            createSubmission(input: $input) { submission { id } } }""", {"input": {
            "interventionId": intervention, "periodStart": WRITE_START.isoformat(),
            "periodEnd": end.isoformat(),
            "narrative": "Benchmark period: records added by the load test."}})
        plan.append({
            "submission": submission["createSubmission"]["submission"]["id"],
            "token": token,
            "enrolments": [as_uuid(e) for e, _ in enrolments],
            "references": [reference for _, reference in enrolments],
            "indicators": [{"id": as_uuid(i), "code": code, "unit": unit,
                            "min": int(float(low)), "max": int(float(high))}
                           for i, code, unit, low, high in indicators],
        })
    return plan


def write_files(out, tag, plan, rows, days, parts, threads):
    """Splits the observations each intervention has free on `days` (a range of day offsets)
    into slots of `rows`, interleaved across interventions (as many providers would write at
    once), and deals them out to `parts` data files (warm-up and runs). Keeps one slot back."""
    slots = []
    for index, iv in enumerate(plan, 1):
        per_day = len(iv["enrolments"]) * len(iv["indicators"])
        first, last = per_day * days.start, per_day * days.stop
        slots += [(start, index) for start in range(first, last - rows + 1, rows)]
    slots.sort()
    reserve, slots = slots[-1], slots[:-1]
    dates = [(WRITE_START + datetime.timedelta(days=d)).isoformat() for d in range(WRITE_DAYS)]
    files = []
    for part in range(parts):
        mine = [{"iv": index, "first": first} for first, index in slots[part::parts]]
        path = out / f"{tag}-{part}.lua"
        path.write_text("return " + lua({"threads": threads, "rows": rows, "dates": dates,
                                          "interventions": plan, "slots": mine}) + "\n")
        files.append(path)
    log(f"  ({tag}) {len(plan)} interventions, {len(slots)} slots of {rows} rows "
        f"({len(slots) // parts} per run)")
    return files, reserve, dates


def all_or_nothing(db, port, plan, reserve, dates):
    """A 10,000-line file whose last line is wrong must write nothing."""
    first, index = reserve
    iv = plan[index - 1]
    per_enrolment = len(iv["indicators"])
    per_day = len(iv["enrolments"]) * per_enrolment
    lines = ["participant_reference,indicator_code,phase,observed_on,value,source"]
    for n in range(IMPORT_ROWS):
        position = first + n
        day, within = divmod(position, per_day)
        indicator = iv["indicators"][within % per_enrolment]
        code = indicator["code"] if n < IMPORT_ROWS - 1 else "NO_SUCH_INDICATOR"
        value = 1 if indicator["unit"] != "SCORE" else indicator["min"]
        lines.append(f"{iv['references'][within // per_enrolment]},{code},INTERIM,"
                     f"{dates[day]},{value},PROVIDER")
    count_sql = (f"SELECT COUNT(*) FROM outcome_records "
                 f"WHERE submission_id = {db.literal(iv['submission'])}")
    # wrk stops sending at the end of a run, but the server finishes what is in flight.
    before = None
    while before != (before := int(db.rows(count_sql)[0][0])):
        time.sleep(2)
    body = upload_csv(port, iv["token"], iv["submission"], "\n".join(lines))
    after = int(db.rows(count_sql)[0][0])
    refused = bool(body.get("errors"))
    rows = (body.get("errors") or [{}])[0].get("extensions", {}).get("rows", [])
    ok = refused and before == after and any(row.get("index") == IMPORT_ROWS + 1 for row in rows)
    log(f"  (e) one bad line in {IMPORT_ROWS}: refused={refused}, records before={before} "
        f"after={after}, bad line reported={ok}")
    if not ok:
        log(f"  (e) answer: {json.dumps(body)[:600]}")
    return ok


def accept_during_reads(db, args, tokens, c_file):
    """(f) The read model's write cost: commissioners accept SUBMITTED submissions of about 500
    records one after another while wrk runs (c); the accept's p50, and (c)'s meanwhile."""
    candidates = db.rows(f"""
        SELECT {db.id('s.id')}, COUNT(*),
               (SELECT MIN(u.email) FROM users u
                JOIN partnership_members m ON m.organisation_id = u.organisation_id
                WHERE m.partnership_id = i.partnership_id AND m.role = 'COMMISSIONER'
                  AND m.left_on IS NULL AND u.role = 'COMMISSIONER' AND u.active)
        FROM evaluation_submissions s
        JOIN interventions i ON i.id = s.intervention_id
        JOIN partnerships p ON p.id = i.partnership_id
        JOIN outcome_records r ON r.submission_id = s.id
        WHERE s.status = 'SUBMITTED' AND p.status <> 'ENDED'
        GROUP BY s.id, i.partnership_id
        ORDER BY ABS(COUNT(*) - 500), 1 LIMIT 60""")
    reads = {}
    background = threading.Thread(target=lambda: reads.update(
        wrk(args.port, "read", c_file, args.concurrency, args.duration)))
    background.start()
    time.sleep(1)
    timings, records = [], []
    for submission, count, email in candidates:
        if not background.is_alive() or email is None:
            continue
        started = time.time()
        graphql(args.port, tokens(email), ACCEPT,
                {"input": {"submissionId": as_uuid(submission), "decision": "ACCEPT"}})
        timings.append(time.time() - started)
        records.append(int(count))
    background.join()
    if not timings:
        return {"skipped": "no SUBMITTED submission to accept"}
    accept_p50 = statistics.median(timings) * 1000
    log(f"  (f) {len(timings)} accepts of median {statistics.median(records):.0f} records: p50 "
        f"{accept_p50:.1f} ms; (c) meanwhile {reads['rps']:.1f} req/s, p50 "
        f"{reads['p50_us'] / 1000:.1f} ms")
    return {"concurrency": args.concurrency, "duration": args.duration, "runs": [reads],
            "rps": reads["rps"], "p50_ms": reads["p50_us"] / 1000,
            "p99_ms": reads["p99_us"] / 1000, "errors": reads["errors"],
            "exhausted": reads["exhausted"], "accepts": len(timings),
            "accept_p50_ms": accept_p50, "accept_records": statistics.median(records)}


# --- one database at one scale ------------------------------------------------------------------


def bench_database(db, scale, binary, args, out, pgbench_binary):
    result = {"database": db.kind, "scale": scale, "scenarios": {}}
    log(f"== {db.kind}, scale {scale}")
    db.create()
    started = time.time()
    seeded = run([str(binary), "seed", "--scale", str(scale)],
                 env={"DATABASE_URL": db.url, "JWT_SECRET": SECRET, "LOG_LEVEL": "warn"})
    result["seed_seconds"] = time.time() - started
    result["seed_summary"] = seeded.stdout.strip().splitlines()[-1]
    result["records"] = int(db.rows("SELECT COUNT(*) FROM outcome_records")[0][0])
    result["size"] = db.size()
    log(f"seeded in {result['seed_seconds']:.1f} s: {result['records']} outcome records, "
        f"{result['size']}")

    # As many import slots as import clients: (e) measures throughput, not the BUSY answer a
    # caller over MAX_CONCURRENT_IMPORTS gets (tests/csv_import.rs covers that).
    server = Server(binary, db, args.port, out,
                    {"MAX_CONCURRENT_IMPORTS": str(args.write_concurrency),
                     **dict(item.split("=", 1) for item in args.server_env)})
    try:
        tokens = Tokens(binary, db)
        partnership, provider, rows = db.rows(f"""
            SELECT {db.id('i.partnership_id')}, {db.id('i.provider_id')}, COUNT(*)
            FROM outcome_records r
            JOIN evaluation_submissions s ON s.id = r.submission_id
            JOIN interventions i ON i.id = s.intervention_id
            WHERE s.status = 'SUBMITTED' GROUP BY 1, 2
            ORDER BY ABS(COUNT(*) - 500), 1 LIMIT 1""")[0]
        partnership, provider = as_uuid(partnership), as_uuid(provider)
        provider_email = db.rows(f"""SELECT email FROM users
            WHERE organisation_id = {db.literal(provider)} AND role = 'PROVIDER' AND active
            ORDER BY email LIMIT 1""")[0][0]
        commissioner_email = db.rows(f"""SELECT u.email FROM users u
            JOIN partnership_members m ON m.organisation_id = u.organisation_id
            WHERE m.partnership_id = {db.literal(partnership)} AND m.role = 'COMMISSIONER'
            AND m.left_on IS NULL AND u.role = 'COMMISSIONER' AND u.active
            ORDER BY u.email LIMIT 1""")[0][0]
        dashboard_indicator = as_uuid(db.rows(f"""
            SELECT {db.id('r.indicator_id')}, COUNT(*) FROM outcome_records r
            JOIN enrolments e ON e.id = r.enrolment_id
            JOIN interventions i ON i.id = e.intervention_id
            WHERE i.partnership_id = {db.literal(partnership)}
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1""")[0][0])
        confidence = as_uuid(db.rows(
            f"SELECT {db.id('id')} FROM indicators WHERE code = 'CONFIDENCE'")[0][0])
        parts = args.runs + 1
        reads = {
            "a": (tokens(provider_email), QUERY_A,
                  {"partnership": partnership, "provider": provider}),
            "b": (tokens(commissioner_email), QUERY_B,
                  {"partnership": partnership, "indicator": dashboard_indicator}),
            "c": (tokens(ADMIN), QUERY_C, {"indicator": confidence}),
        }
        schema = run([str(binary), "schema"]).stdout
        analytics = "outcomeSummary(" in schema and "targetProgress(" in schema

        data = graphql(args.port, reads["a"][0], QUERY_A, reads["a"][2])
        interventions = data["partnership"]["interventions"]["nodes"]
        submissions = [s for iv in interventions for s in iv["submissions"]["nodes"]]
        returned = sum(len(s["records"]["nodes"]) for s in submissions)
        result["a_shape"] = (f"{len(interventions)} interventions, "
                             f"{len(submissions)} submissions, {returned} records")
        log(f"(a) returns {result['a_shape']}, a page of each of {rows} SUBMITTED records")

        for name in "abc":
            if name not in args.scenarios:
                continue
            if name in "bc" and not analytics:
                log(f"({name}) skipped: outcomeSummary/targetProgress are not in the schema yet")
                result["scenarios"][name] = {"skipped": "analytics not in the schema"}
                continue
            token, query, variables = reads[name]
            try:
                started = time.time()
                answer = graphql(args.port, token, query, variables)
                alone = time.time() - started
            except GraphqlError as error:
                # Reported, not measured: timing a failing query would mean nothing.
                log(f"({name}) skipped: the query fails: {error}")
                result["scenarios"][name] = {"skipped": f"query fails: {error}"}
                continue
            if name != "a":
                log(f"({name}) returns {len(answer['outcomeSummary']['cells'])} outcomeSummary "
                    f"cells")
            # Long enough for every connection to finish a few requests, however slow.
            cores = os.cpu_count() or 1
            duration = min(120, max(args.duration, round(3 * alone * args.concurrency / cores)))
            files = read_files(out, f"{db.kind}-{name}", token, query, variables, parts)
            log(f"({name}) alone {alone * 1000:.0f} ms; wrk -c {args.concurrency}, "
                f"{args.runs} x {duration} s")
            result["scenarios"][name] = measure(name, args.port, "read", files,
                                                args.concurrency, args, server, duration)

        if db.kind == "postgres" and "a" in args.scenarios:
            runs = [pgbench(pgbench_binary, db, {"partnership": partnership,
                                                 "provider": provider},
                            args.concurrency, args.duration, out) for _ in range(args.runs)]
            tps = statistics.median(tps for tps, _ in runs)
            result["pgbench_a"] = {"tps": tps, "runs": runs,
                                   "latency_ms": statistics.median(l for _, l in runs if l)}
            ratio = result["scenarios"]["a"]["rps"] / tps
            result["scenarios"]["a"]["ratio"] = ratio
            log(f"(a) pgbench ceiling: {tps:.1f} tps; API / SQL = {ratio:.0%}")

        if "f" in args.scenarios and analytics:
            result["scenarios"]["f"] = accept_during_reads(
                db, args, tokens, read_files(out, f"{db.kind}-f", *reads["c"], 1)[0])

        if not set("de") & set(args.scenarios):
            result["rss_peak_mb"], _ = server.memory()
            return result
        log("preparing the write scenarios (a DRAFT submission per intervention)")
        plan = write_plan(db, tokens, args.port, args.write_interventions)
        threads = min(2, args.write_concurrency)
        add_files, _, _ = write_files(out, f"{db.kind}-d", plan, ADD_ROWS,
                                      range(IMPORT_DAYS, WRITE_DAYS), parts, threads)
        import_files, reserve, dates = write_files(out, f"{db.kind}-e", plan, IMPORT_ROWS,
                                                   range(0, IMPORT_DAYS), parts, threads)
        for name, mode, files, rows in (("d", "add", add_files, ADD_ROWS),
                                        ("e", "import", import_files, IMPORT_ROWS)):
            if name not in args.scenarios:
                continue
            log(f"({name}) wrk -c {args.write_concurrency}, {args.runs} x {args.duration} s")
            measured = measure(name, args.port, mode, files, args.write_concurrency, args, server)
            measured["rows_per_s"] = measured["rps"] * rows
            result["scenarios"][name] = measured
        if "e" in args.scenarios:
            result["e_all_or_nothing"] = all_or_nothing(db, args.port, plan, reserve, dates)
        result["rss_peak_mb"], _ = server.memory()
    finally:
        server.stop()
        if not args.keep:
            db.drop()
    return result


# --- report -------------------------------------------------------------------------------------


def verdict(name, scenario, database):
    if "skipped" in scenario:
        return "skipped"
    if scenario["errors"] or scenario["exhausted"]:
        return "INVALID (errors)"
    if any(run["requests"] == 0 for run in scenario["runs"]):
        return "INVALID (a run completed no request)"
    met = {
        "a": lambda s: s.get("ratio", 0) >= 0.40 and s["p50_ms"] <= 15,
        "b": lambda s: s["p50_ms"] <= 25,
        "c": lambda s: s["p50_ms"] <= (300 if database == "sqlite" else 50),
        "d": lambda s: s["rows_per_s"] >= 20000,
        "e": lambda s: s["rows_per_s"] >= 20000,
        "f": lambda s: True,
    }[name](scenario)
    return "met" if met else "MISSED"


def report(results, args):
    lines = [
        f"Machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') // (1 << 30)} GiB RAM; "
        f"reads at {args.concurrency} connections, writes at {args.write_concurrency}; "
        f"medians of {args.runs} runs of {args.duration} s after a {args.warmup} s warm-up.",
        "",
        "| database | scale | scenario | req/s | rows/s | p50 ms | p99 ms | target | result |",
        "|---|---|---|---:|---:|---:|---:|---|---|",
    ]
    labels = {"a": "(a) nested read", "b": "(b) dashboard", "c": "(c) nationwide summary",
              "d": "(d) addOutcomeRecords ×500", "e": "(e) CSV import ×10,000",
              "f": "(f) accept ~500 records during (c)"}
    for result in results:
        for name, scenario in result["scenarios"].items():
            if "skipped" in scenario:
                lines.append(f"| {result['database']} | {result['scale']} | {labels[name]} | – | – "
                             f"| – | – | {TARGETS[name]} | skipped |")
                continue
            rows = scenario.get("rows_per_s")
            extra = f" ({scenario['ratio']:.0%} of SQL)" if "ratio" in scenario else ""
            if "accept_p50_ms" in scenario:
                extra += (f": {scenario['accepts']} accepts, p50 "
                          f"{scenario['accept_p50_ms']:.0f} ms; (c) meanwhile")
            if scenario["duration"] != args.duration:
                extra += f", runs of {scenario['duration']} s"
            lines.append(
                f"| {result['database']} | {result['scale']} | {labels[name]}{extra} "
                f"| {scenario['rps']:.1f} | {f'{rows:,.0f}' if rows else '–'} "
                f"| {scenario['p50_ms']:.1f} | {scenario['p99_ms']:.1f} | {TARGETS[name]} "
                f"| {verdict(name, scenario, result['database'])} |")
    lines.append("")
    for result in results:
        line = (f"- {result['database']} scale {result['scale']}: seeded in "
                f"{result['seed_seconds']:.0f} s ({result['records']:,} outcome records, "
                f"{result['size']}); (a) returns {result['a_shape']}; server peak RSS "
                f"{result['rss_peak_mb']:.0f} MB (target <= 100 MB)")
        if "pgbench_a" in result:
            line += (f"; pgbench ceiling for (a): {result['pgbench_a']['tps']:.1f} tps "
                     f"(latency {result['pgbench_a']['latency_ms']:.1f} ms)")
        if "e_all_or_nothing" in result:
            line += f"; (e) all or nothing: {'yes' if result['e_all_or_nothing'] else 'NO'}"
        lines.append(line)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1", help="one or more scales, comma-separated")
    parser.add_argument("--sqlite-scale", help="scales for SQLite (default: --scale)")
    parser.add_argument("--databases", default="postgres,sqlite")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (no database name); needs CREATEDB")
    parser.add_argument("--concurrency", type=int, default=8, help="connections for reads")
    parser.add_argument("--write-concurrency", type=int, default=4,
                        help="connections for writes")
    parser.add_argument("--duration", type=int, default=10, help="seconds per timed run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per scenario")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--write-interventions", type=int, default=300,
                        help="interventions that get a DRAFT submission for the writes")
    parser.add_argument("--scenarios", default="abcdef", help="which of a-f to run")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the server (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    parser.add_argument("--no-build", action="store_true", help="use target/release/api as is")
    parser.add_argument("--out", default=str(ROOT / "target" / "bench"))
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ensure_wrk()
    pgbench_binary = find_pgbench()
    if args.no_build:
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        binary = out / "api"
        shutil.copy2(target / "release" / "api", binary)
    else:
        binary = build(out)

    results = []
    scales = {"postgres": args.scale.split(","),
              "sqlite": (args.sqlite_scale or args.scale).split(",")}
    for kind in args.databases.split(","):
        for scale in scales[kind]:
            db = Postgres(args.pg_url, scale) if kind == "postgres" else Sqlite(out, scale)
            results.append(bench_database(db, scale, binary, args, out, pgbench_binary))
            (out / "results.json").write_text(json.dumps(results, indent=2))
    text = report(results, args)
    (out / "results.md").write_text(text + "\n")
    print("\n" + text)
    log(f"results in {out}/results.md and results.json")


if __name__ == "__main__":
    main()
