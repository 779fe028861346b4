"""A slow stand-in for Prometheus's query API on 127.0.0.1, for the threading test and the
benchmark: every /api/v1/query answer waits, either a fixed delay or until `--barrier N`
queries are waiting at once (which only happens when N calls run in parallel: a host holding
the GIL around its calls could never get there, and the waiting query then fails with 503).

    slow_prometheus.py [--delay SECONDS] [--barrier N]     prints its port, serves until stdin closes
"""

import argparse
import http.server
import json
import sys
import threading
import urllib.parse

HOST = "compute-1.example.org"
TARGETS = {"status": "success", "data": {"activeTargets": [{
    "discoveredLabels": {}, "labels": {"fqdn": HOST, "instance": "127.0.0.1:9100", "job": "node"},
    "scrapePool": "node", "scrapeUrl": "http://127.0.0.1:9100/metrics", "globalUrl": "",
    "lastError": "", "lastScrape": "2023-11-14T22:13:20Z", "lastScrapeDuration": 0.001,
    "health": "up", "scrapeInterval": "15s", "scrapeTimeout": "10s"}], "droppedTargets": []}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--barrier", type=int, default=0)
    options = parser.parse_args()
    barrier = threading.Barrier(options.barrier) if options.barrier > 1 else None

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: without this, Nagle's algorithm holds the body
        # until the client's delayed ACK, 40 ms later.
        disable_nagle_algorithm = True

        def log_message(self, *args):
            pass

        def answer(self, status, document):
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            if url.path.endswith("/api/v1/targets"):
                return self.answer(200, TARGETS)
            if not url.path.endswith("/api/v1/query"):
                return self.answer(404, {"status": "error", "errorType": "not_found", "error": url.path})
            if barrier is not None:
                try:
                    barrier.wait(timeout=30)
                except threading.BrokenBarrierError:
                    return self.answer(503, {"status": "error", "errorType": "unavailable",
                                             "error": "the other parallel queries never came"})
            elif options.delay:
                threading.Event().wait(options.delay)
            query = urllib.parse.parse_qs(url.query)
            time = float(query.get("time", ["1700000000"])[0])
            self.answer(200, {"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {}, "value": [time, "1.5"]}]}})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()  # until the parent closes stdin (or dies)
    server.shutdown()


if __name__ == "__main__":
    main()
