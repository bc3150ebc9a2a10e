"""A bounded load on `deptfeeds serve` from other processes on loopback: throughput, p99, zero errors.

    python bench/serve_load.py [--requests 12000] [--connections 8] [--tool python|wrk]

Builds feeds from generated department sites (tests/faults/server.py), starts
`deptfeeds serve --host 127.0.0.1 --port 0` as its own process, then sends a mix of fresh
GETs and conditional GETs (If-None-Match with the file's ETag, answered 304) over keep-alive
connections, from Python client processes (count-bounded; each answer is checked: 200 for a
fresh GET, 304 for a conditional one) or with Debian's `wrk` (time-bounded; it counts socket
errors and answers other than 2xx/3xx). Prints the figures and a JSON summary.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.kill import environment, run  # noqa: E402
from tests.faults.served import Served, serving  # noqa: E402
from tests.faults.server import serving as fault_sites  # noqa: E402

CONFIG = """[store]
url = "sqlite:///data/deptfeeds.db"

[feeds]
dir = "public"

[crawl]
delay = 0
concurrency_per_domain = 8
""" + "".join(f"""
[[sources]]
id = "{name}"
name = "Sở KH&CN thử nghiệm {name}"
listing = ["http://{name}.example.gov.vn/index.php/tin-tuc"]
family = "drupal"
max_pages = 10
""" for name in ("kill", "healthy", "retry500"))


def targets(served: Served, folder: Path) -> list[tuple[str, str]]:
    """(path, ETag) of every file the server publishes."""
    result = []
    connection = http.client.HTTPConnection(served.host, served.port, timeout=10)
    for file in sorted(folder.iterdir()):
        if file.is_file() and not file.name.startswith("."):
            connection.request("GET", "/" + file.name)
            response = connection.getresponse()
            response.read()
            etag = response.getheader("ETag")
            if response.status == 200 and etag:
                result.append(("/" + file.name, etag))
    connection.close()
    return result


def client(host: str, port: int, paths: list[tuple[str, str]], count: int, offset: int,
           results: multiprocessing.Queue) -> None:
    """One keep-alive connection: `count` requests, odd ones conditional; report latencies and errors."""
    latencies, errors, statuses = [], [], {}
    connection = http.client.HTTPConnection(host, port, timeout=30)
    started = time.perf_counter()
    for i in range(count):
        path, etag = paths[(i + offset) % len(paths)]
        conditional = (i + offset) % 2 == 1
        headers = {"If-None-Match": etag} if conditional else {}
        begin = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            statuses[response.status] = statuses.get(response.status, 0) + 1
            if response.status != (304 if conditional else 200):
                errors.append(f"{path}: {response.status}")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {type(exc).__name__}: {exc}")
            connection.close()
            connection = http.client.HTTPConnection(host, port, timeout=30)
        latencies.append(time.perf_counter() - begin)
    results.put({"latencies": latencies, "errors": errors[:20], "error_count": len(errors),
                 "statuses": statuses, "seconds": time.perf_counter() - started})


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def python_load(served: Served, paths: list[tuple[str, str]], total: int, connections: int) -> dict:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    share = -(-total // connections)
    workers = [context.Process(target=client, args=(served.host, served.port, paths, share, n, results))
               for n in range(connections)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    latencies = [x for r in reports for x in r["latencies"]]
    statuses: dict[str, int] = {}
    for report in reports:
        for status, n in report["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + n
    return {"tool": "python", "requests": len(latencies), "connections": connections,
            "seconds": round(elapsed, 2), "requests_per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "max_ms": round(max(latencies) * 1000, 2), "statuses": statuses,
            "errors": sum(r["error_count"] for r in reports),
            "error_samples": [e for r in reports for e in r["errors"]][:10]}


WRK_SCRIPT = """
local paths = {%s}
local etags = {%s}
local i = 0
request = function()
  i = i + 1
  local n = (i %% #paths) + 1
  if i %% 2 == 1 then
    return wrk.format("GET", paths[n], {["If-None-Match"] = etags[n]})
  end
  return wrk.format("GET", paths[n])
end
"""


def wrk_load(served: Served, paths: list[tuple[str, str]], seconds: int, connections: int,
             folder: Path) -> dict:
    script = folder / "mix.lua"
    script.write_text(WRK_SCRIPT % (", ".join(json.dumps(p) for p, _ in paths),
                                    ", ".join(json.dumps(e) for _, e in paths)))
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
                             "-s", str(script), served.url], capture_output=True, text=True,
                            timeout=seconds + 60).stdout
    print(output)

    def number(pattern: str, default: str = "0") -> str:
        match = re.search(pattern, output)
        return match.group(1) if match else default

    def millis(text: str) -> float:
        value, unit = float(re.match(r"[\d.]+", text).group()), re.sub(r"[\d.]", "", text)
        return value * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    socket_errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    bad_status = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    return {"tool": "wrk", "requests": int(number(r"(\d+) requests in")), "connections": connections,
            "seconds": seconds, "requests_per_second": float(number(r"Requests/sec:\s+([\d.]+)")),
            "p50_ms": millis(number(r"50%\s+([\d.]+\w+)", "0ms")),
            "p99_ms": millis(number(r"99%\s+([\d.]+\w+)", "0ms")),
            "errors": socket_errors + bad_status, "socket_errors": socket_errors,
            "non_2xx_3xx": bad_status}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=12000, help="python client: total requests")
    parser.add_argument("--seconds", type=int, default=10, help="wrk: how long to run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--tool", choices=("python", "wrk"), default="python")
    args = parser.parse_args()
    tool = args.tool
    if tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --tool python")
    folder = Path(tempfile.mkdtemp(prefix="serve-load-"))
    config = folder / "deptfeeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    with fault_sites() as sites:
        env = environment(sites.proxy_url)
        prepared = run("run", config, env)
        if prepared.returncode != 0:
            raise SystemExit(f"could not build the feeds to serve:\n{prepared.stderr[-2000:]}")
    with serving(config, env) as served:
        paths = targets(served, folder / "public")
        print(f"serving {len(paths)} files on {served.url}; {tool}, {args.connections} connections, "
              f"half fresh GETs (200), half conditional (304)")
        if tool == "wrk":
            summary = wrk_load(served, paths, args.seconds, args.connections, folder)
        else:
            summary = python_load(served, paths, args.requests, args.connections)
        alive = served.process.poll() is None
    summary["files"] = len(paths)
    summary["server_alive_after"] = alive
    print(f"{summary['requests']} requests in {summary['seconds']}s: {summary['requests_per_second']} req/s, "
          f"p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, errors {summary['errors']}")
    print(json.dumps(summary))
    return 0 if summary["errors"] == 0 and summary["requests"] >= 10_000 and alive else 1


if __name__ == "__main__":
    sys.exit(main())
