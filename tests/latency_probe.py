"""A latency probe for tests, run in a process of its own (`python -m tests.latency_probe URL...`):
GET each URL in turn, every 50 ms, until standard input is closed; then print
{url: [seconds, ...]} as JSON. Its own process: the test's work never delays its clock."""
from __future__ import annotations

import json
import sys
import threading
import time

import httpx

PAUSE_SECONDS = 0.05


def probe(urls: list[str]) -> dict[str, list[float]]:
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    timings: dict[str, list[float]] = {url: [] for url in urls}
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            for url in urls:
                started = time.perf_counter()
                client.get(url).raise_for_status()
                timings[url].append(time.perf_counter() - started)
            time.sleep(PAUSE_SECONDS)
    return timings


if __name__ == "__main__":
    print(json.dumps(probe(sys.argv[1:])))
