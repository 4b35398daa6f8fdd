"""Benchmark: the public status API under ``wrk`` on loopback (issue 6 "Measured": status by
look-up code ≥ 500 requests/s with p99 < 100 ms at 64 connections on this 2-core machine).

    .venv/bin/python bench/bench_verify_status.py [--classes 1] [--threads 1 4]
    .venv/bin/python bench/bench_verify_status.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

A fresh database gets the small demo (its certificates naming this run's TSA/OCSP), a few
classes are composed and issued with the demo signers (``hocba.issuance.demo.issue_class``, as
``bench_issue.py`` does), and every issued record is asked once in this process (the stored
originals' checks land in the verification cache, as the first visitor's question does). Then
the real server starts (``hocba serve``: gunicorn, DEBUG off, persistent PostgreSQL
connections, the access log on, the answer cache at its default; the lookup door's rate limit
raised out of reach, still counted, since every request comes from 127.0.0.1) and
``wrk -t2 -c64 -d30s --latency`` posts
``{"lookup_code", "birth_date"}`` cycling through the real codes with their right birth dates,
one question in ``--wrong`` (default 5) made up afresh in wrk (an unknown code or a wrong birth
date), so no answer cache knows it. The server answers this path through its status door
(``hocba.verification.door``), each matched answer an audited read committed before the answer
(``hocba.audit.group_commit``); the run counts the audit rows it added.

Prints one JSON line per run, ``--repeat`` (default 3) runs per server configuration and a
summary line with the worst of them (``--threads``, default ``1 4``: sync workers,
then gthread with keep-alive; ``--cache``, default ``5``: seconds a matched answer is kept,
``0`` to compute every question): requests/s, p50/p75/p90/p99 in ms, errors and non-2xx, the CPU
seconds of the server's processes and of wrk (the split on 2 cores), the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from freshdb import add_db_arguments, setup_django, start_demo_pki

ROOT = Path(__file__).resolve().parents[1]
HOCBA = ROOT / ".venv" / "bin" / "hocba"
PATH = "/api/v1/verification/status"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def issue(classes: int) -> list[tuple[str, str]]:
    """Issue ``classes`` classes of the demo; their (look-up code, birth date)."""
    from django.core.management import call_command

    from hocba.accounts.models import RoleAssignment
    from hocba.demo import generator
    from hocba.domain.access import Role
    from hocba.issuance import demo
    from hocba.records import compose
    from hocba.records.models import HocBaRecord
    from hocba.roster.models import SchoolClass

    services = start_demo_pki()
    call_command("migrate", interactive=False, verbosity=0)
    generator.seed(size="small")
    chosen = list(SchoolClass.objects.filter(school_year__name="2024-2025")
                  .select_related("school", "school_year").order_by("school__code", "name")
                  [:classes])
    for c in chosen:
        principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, school=c.school,
                                               school_year=c.school_year).user
        compose.compose_class(principal, c)
        demo.issue_class(c, base_url=services.base_url)
    services.stop()
    return [(str(code), born.isoformat()) for code, born in
            HocBaRecord.objects.filter(issue__isnull=False)
            .values_list("lookup_code", "student__birth_date")]


def warm(codes: list[tuple[str, str]]) -> None:
    """Ask each record once here: its stored originals are validated and cached."""
    import datetime as dt

    from hocba.verification import services

    for code, born in codes:
        report = services.check_code(code, birth_date=dt.date.fromisoformat(born),
                                     channel="api")
        assert report.valid, (code, report.as_dict())


def lua_script(codes: list[tuple[str, str]], wrong: int, path: Path) -> None:
    """wrk's script: the right questions cycle through the issued codes; every ``wrong``-th
    question is made up afresh in wrk (so no answer cache can know it): half an unknown UUID v4,
    half a real code with a wrong birth date."""
    rights = ",\n".join(f"  {{[[{code}]], [[{born}]]}}" for code, born in codes)
    path.write_text(f"""local codes = {{
{rights}
}}
local wrong = {wrong}
local i = 0
local headers = {{["Content-Type"] = "application/json"}}
local threads = 0

setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end

init = function(args)
  math.randomseed(os.time() * 1000 + id)
  i = math.random(1, 1000)
end

local function uuid4()
  return (string.gsub("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", "[xy]", function(c)
    return string.format("%x", c == "x" and math.random(0, 15) or math.random(8, 11))
  end))
end

request = function()
  i = i + 1
  local pick = codes[i % #codes + 1]
  local code, born = pick[1], pick[2]
  if wrong > 0 and i % wrong == 0 then
    if math.random(2) == 1 then
      code = uuid4()
    else
      born = string.format("19%02d-%02d-%02d", math.random(10, 99), math.random(1, 12),
                           math.random(1, 28))
    end
  end
  local body = '{{"lookup_code":"' .. code .. '","birth_date":"' .. born .. '"}}'
  return wrk.format("POST", "{PATH}", headers, body)
end
""")


def audited_reads() -> int:
    """Public look-ups logged so far (each matched answer is one)."""
    from django.db import connections

    from hocba.audit.models import AuditEvent

    count = AuditEvent.objects.filter(action="xem", channel="api").count()
    connections.close_all()
    return count


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its children (the gunicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, pids = 0.0, [pid]
    for child in Path("/proc").iterdir():
        if child.name.isdigit():
            try:
                fields = (child / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.append(int(child.name))
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_cpu(name: str) -> float:
    """User + system CPU seconds of the PostgreSQL backends serving database ``name`` (their
    command line reads "postgres: … name …"); 0 on SQLite."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes()
            if not command.startswith(b"postgres:") or f" {name} ".encode() not in command:
                continue
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def parse_wrk(out: str) -> dict[str, Any]:
    def ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)

    found: dict[str, Any] = {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
    }
    for pct in ("50", "75", "90", "99"):
        found[f"p{pct}_ms"] = ms(re.search(rf"\s{pct}%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    found["socket_errors"] = sum(int(g) for g in errors.groups()) if errors else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    return found


def serve(threads: int, workers: int, port: int, cache: int) -> subprocess.Popen[bytes]:
    # every request comes from 127.0.0.1: a limit no run reaches, still counted per request
    env = {**os.environ, "HOCBA_VERIFY_RATE_LIMITS": "lookup=1000000000/60",
           "HOCBA_VERIFY_STATUS_CACHE": str(cache)}
    log = Path(os.environ["HOCBA_VAR"]) / f"serve-{port}.log"
    with log.open("wb") as sink:  # never a pipe nobody reads: a full one blocks the server
        server = subprocess.Popen(
            [str(HOCBA), "serve", "--port", str(port), "--workers", str(workers),
             "--threads", str(threads)], env=env, stdout=sink, stderr=sink,
            start_new_session=True)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGKILL)
    raise SystemExit(f"the server did not start: {log.read_text()[-2000:]}")


def ask(port: int, code: str, born: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}", method="POST",
        data=json.dumps({"lookup_code": code, "birth_date": born}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return json.loads(response.read())  # type: ignore[no-any-return]


def run(threads: int, cache: int, args: argparse.Namespace, codes: list[tuple[str, str]],
        script: Path) -> dict[str, Any]:
    port = free_port()
    server = serve(threads, args.workers, port, cache)
    try:
        for code, born in codes[:4]:  # each worker reads the caches it will use
            assert ask(port, code, born)["valid"] is True
        for _ in range(2 * args.workers):
            ask(port, *codes[0])
        subprocess.run([args.wrk, "-t2", "-c64", "-d3s", "-s", str(script),
                        f"http://127.0.0.1:{port}{PATH}"], check=True, capture_output=True)
        load = os.getloadavg()
        database = urlsplit(args.db).path.lstrip("/") if args.db else ""
        reads = audited_reads()
        cpu_server = process_tree_cpu(server.pid)
        cpu_database = database_cpu(database) if database else 0.0
        before = os.times()
        out = subprocess.run([args.wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                              "--latency", "-s", str(script),
                              f"http://127.0.0.1:{port}{PATH}"],
                             check=True, capture_output=True, text=True).stdout
        after = os.times()
        cpu_server = process_tree_cpu(server.pid) - cpu_server
        reads = audited_reads() - reads
        cpu_database = (database_cpu(database) - cpu_database) if database else 0.0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    found = parse_wrk(out)
    log = Path(os.environ["HOCBA_VAR"]) / f"serve-{port}.log"
    found["server_errors"] = log.read_text(errors="replace").count("Internal Server Error")
    return {
        "bench": "verify_status",
        "database": "postgresql" if args.db else "sqlite",
        "server": f"gunicorn {args.workers} workers" + (
            f" × {threads} threads (gthread, keep-alive)" if threads > 1 else " (sync)"),
        "answer_cache_s": cache,
        "connections": args.connections,
        "seconds": args.seconds,
        **found,
        "records": len(codes),
        "audited_reads": reads,
        "wrong_share": f"1/{args.wrong}" if args.wrong else "0",
        "cpu_s_server": round(cpu_server, 1),
        "cpu_s_postgres_backends": round(cpu_database, 1),
        "cpu_s_wrk": round((after.children_user + after.children_system)
                           - (before.children_user + before.children_system), 1),
        "load_avg_before": [round(x, 2) for x in load],
        "load_avg_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classes", type=int, default=1, help="classes to issue (default 1)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="*", default=[1, 4],
                        help="threads per worker, one run each (1: sync workers)")
    parser.add_argument("--cache", type=int, nargs="*", default=[5],
                        help="VERIFICATION_STATUS_CACHE_SECONDS of the server, one run each "
                             "(0: every question computed, as when each code is asked once)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--wrong", type=int, default=5,
                        help="one question in N has a wrong birth date or unknown code")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each configuration, each on a fresh server (default 3: "
                             "this shared machine's figures vary from run to run)")
    parser.add_argument("--wrk", default=shutil.which("wrk") or "/usr/bin/wrk")
    add_db_arguments(parser)
    args = parser.parse_args()
    if not Path(args.wrk).exists():
        sys.exit("wrk is missing: apt-get install wrk")

    # A var/ of its own each run: the demo PKI keeps the certificates it issued, and they name
    # the OCSP address of the run that issued them.
    os.environ["HOCBA_VAR"] = tempfile.mkdtemp(prefix="hocba-bench-status-",
                                               dir=os.environ.get("HOCBA_VAR"))
    setup_django(args, "bench-status.sqlite3")
    started = time.perf_counter()
    codes = issue(args.classes)
    warm(codes)
    from django.db import connections

    connections.close_all()
    prepared = round(time.perf_counter() - started, 1)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "status.lua"
        lua_script(codes, args.wrong, script)
        for cache in args.cache:
            for threads in args.threads:
                runs = []
                for repeat in range(args.repeat):
                    if repeat:
                        time.sleep(5)  # the last server's processes gone, the database quiet
                    found = run(threads, cache, args, codes, script)
                    runs.append(found)
                    print(json.dumps({**found, "prepare_s": prepared}, ensure_ascii=False),
                          flush=True)
                if args.repeat > 1:
                    print(json.dumps(summary(runs), ensure_ascii=False), flush=True)
    return 0


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The repeated runs of one configuration: each run's requests/s and p99, and the worst."""
    return {"summary": runs[0]["server"], "database": runs[0]["database"],
            "runs": len(runs),
            "requests_per_s": [r["requests_per_s"] for r in runs],
            "p99_ms": [r["p99_ms"] for r in runs],
            "worst_requests_per_s": min(r["requests_per_s"] for r in runs),
            "worst_p99_ms": max(r["p99_ms"] for r in runs),
            "errors": sum(r["socket_errors"] + r["non_2xx"] + r["server_errors"] for r in runs)}


if __name__ == "__main__":
    sys.exit(main())
