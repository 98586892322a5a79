#!/usr/bin/env python3
"""Big consent checks over HTTP, for bench/consent_http.sh.

usage: consent_batch.py PORT TOKEN IDENTITIES_FILE [--per-request N] [--parallel P]... [--pid PID]

Splits the identities of the file (one a line) into requests of N (default 100,000, the most
one request may carry) and POSTs them to /v1/consent/check, P at a time, each worker on its own
keep-alive connection, for every P given (default: 1, then 2). Before them, the baseline: the
same requests with a topic the policy does not declare, 2 at a time, which the daemon reads and
parses whole and then refuses (400 unknown_topic) before it touches the store, so that what
transport and JSON alone cost is measured in the same run.

The request bodies are built before the clock starts, and responses are only read while it
runs, each into a buffer allocated and written to before the clock starts (a sender that
streams its answers does not fault in fresh memory for each: counting that here took this
client 0.8 s of CPU for the million); they are parsed afterwards, to check that every identity
got an answer and to count the verdicts. Prints one line per run: identities, wall time, identities per second, the time of
the slowest and fastest request, with --pid the CPU time (user + system) the daemon spent and the
pages it faulted in (minor faults: memory mapped afresh), and the CPU time of this client
(which shares the machine with the daemon).
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import sys
import threading
import time


def bodies(identities, topic, per_request):
    out = []
    for at in range(0, len(identities), per_request):
        chunk = identities[at:at + per_request]
        out.append(json.dumps({"topic": topic, "identities": chunk},
                              ensure_ascii=False).encode("utf-8"))
    return out


def cpu_and_faults(pid):
    """(user + system CPU seconds, minor page faults) of process `pid`, or (0, 0) without one."""
    if not pid:
        return 0.0, 0
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()  # from the third field of proc(5) on
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), int(fields[7])


# Room for one answer: an allowed identity takes some 400 bytes of it.
ANSWER_BYTES_PER_IDENTITY = 512


def answer_buffers(counts):
    """A buffer per request for its answer; bytearray(n) is zeroed, so its pages are in memory."""
    return [bytearray(4096 + n * ANSWER_BYTES_PER_IDENTITY) for n in counts]


def run(port, token, payloads, buffers, parallel):
    """POSTs every payload, `parallel` at a time, reading answer i into buffers[i] when it fits;
    returns (seconds, [(status, body, seconds)])."""
    local = threading.local()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + token}

    def post(index):
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        started = time.monotonic()
        local.conn.request("POST", "/v1/consent/check", body=payloads[index], headers=headers)
        response = local.conn.getresponse()
        if response.length is not None and response.length <= len(buffers[index]):
            view = memoryview(buffers[index])[:response.length]
            got = 0
            while got < len(view):
                n = response.readinto(view[got:])
                if n == 0:
                    raise ConnectionError("the answer ended early")
                got += n
            body = view
        else:
            body = response.read()
        return response.status, body, time.monotonic() - started

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        results = list(pool.map(post, range(len(payloads))))
    return time.monotonic() - started, results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("port", type=int)
    parser.add_argument("token")
    parser.add_argument("identities")
    parser.add_argument("--per-request", type=int, default=100_000)
    parser.add_argument("--parallel", type=int, action="append")
    parser.add_argument("--pid", type=int, help="the daemon's, to report its CPU time")
    args = parser.parse_args()
    with open(args.identities, encoding="utf-8") as f:
        identities = [line.rstrip("\n") for line in f if line.strip()]
    checks = bodies(identities, "newsletter", args.per_request)
    counts = [min(args.per_request, len(identities) - at)
              for at in range(0, len(identities), args.per_request)]
    refused = bodies(identities, "no_such_topic", args.per_request)
    megabytes = sum(len(b) for b in checks) / 1e6

    print(f"{len(identities)} identities in {len(checks)} requests of at most "
          f"{args.per_request} ({megabytes:.1f} MB of request bodies)")
    print(f"{'run':<34} {'identities':>10} {'wall s':>8} {'identities/s':>13} "
          f"{'per request s':>14} {'daemon CPU s':>12} {'page faults':>11} {'client CPU s':>12}"
          "  statuses")
    failed = False
    runs = [("baseline: unknown topic (400)", refused, 2, 400)]
    for parallel in args.parallel or [1, 2]:
        runs.append((f"check, {parallel} at a time", checks, parallel, 200))
    for name, payloads, parallel, expected in runs:
        buffers = answer_buffers(counts)
        cpu, faults = cpu_and_faults(args.pid)
        client = time.process_time()
        seconds, results = run(args.port, args.token, payloads, buffers, parallel)
        cpu_after, faults_after = cpu_and_faults(args.pid)
        cpu, faults = cpu_after - cpu, faults_after - faults
        client = time.process_time() - client
        statuses = {}
        for status, _, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        per_request = sorted(r[2] for r in results)
        print(f"{name:<34} {len(identities):>10} {seconds:>8.2f} "
              f"{len(identities) / seconds:>13,.0f} "
              f"{per_request[0]:>6.2f}-{per_request[-1]:<7.2f} {cpu:>12.1f} {faults:>11,} "
              f"{client:>12.1f}  "
              + " ".join(f"{k}={v}" for k, v in sorted(statuses.items())))
        if set(statuses) != {expected}:
            failed = True
            print(f"  unexpected answer: {bytes(results[0][1][:300])!r}", file=sys.stderr)
            continue
        if expected != 200:
            continue
        verdicts = {}
        checked = 0
        response_bytes = 0
        for _, body, _ in results:
            response_bytes += len(body)
            answer = json.loads(bytes(body))
            checked += answer["checked"]
            verdicts["allowed"] = verdicts.get("allowed", 0) + len(answer["allowed"])
            for item in answer["refused"]:
                verdicts[item["reason"]] = verdicts.get(item["reason"], 0) + 1
        if checked != len(identities) or sum(verdicts.values()) != len(identities):
            failed = True
            print(f"  {checked} checked, {sum(verdicts.values())} answers for "
                  f"{len(identities)} identities", file=sys.stderr)
        print(f"  {response_bytes / 1e6:.1f} MB of responses; verdicts: "
              + ", ".join(f"{k} {v / len(identities):.1%}" for k, v in sorted(verdicts.items())))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
