#!/usr/bin/env python3
"""One bench step's figures as a JSON line (bench/cps.sh calls it per step).

usage: step_stats.py OUT.jsonl UAC_CSV|UAC.json RTT_CSV|- key=value...

Reads sipp's -trace_stat CSV (last row: successful/failed calls,
retransmissions) and -trace_rtt CSV (one row per call: the time the rtd
response arrived and the response time) and computes achieved rate and
p50/p90/p99 setup time; or, given a .json, takes all of these from the
bench/loadgen UAC's report. Then adds the key=value pairs the script measured (offered rate, CPU
seconds of the load balancer, SIP messages it handled...), derives CPU per
call and per message, appends one JSON object to OUT.jsonl and prints a
one-line summary.
"""
import csv
import json
import math
import sys


def number(text):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def last_row(path):
    try:
        with open(path, newline="") as f:
            rows = list(csv.reader(f, delimiter=";"))
    except OSError:
        return {}
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], rows[-1]))


def rtt_rows(path):
    """(arrival ms, response time ms) per call from sipp -trace_rtt."""
    out = []
    if path == "-":
        return out
    try:
        with open(path) as f:
            for line in f:
                parts = line.strip().split(";")
                if len(parts) < 2:
                    continue
                try:
                    out.append((float(parts[0]), float(parts[1])))
                except ValueError:
                    continue  # header
    except OSError:
        pass
    return out


def percentile(sorted_values, q):
    if not sorted_values:
        return None
    k = max(0, min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]


def from_loadgen(path, step):
    """The UAC's figures from a bench/loadgen report (same rules as for sipp:
    achieved = setups per second between the first and the last 200 OK)."""
    try:
        with open(path) as f:
            r = json.load(f)
    except (OSError, ValueError):
        r = {}
    step["successful"] = r.get("successful")
    step["failed"] = r.get("failed")
    step["created"] = r.get("placed")
    step["retransmissions_uac"] = r.get("retransmissions")
    step["achieved_cps"] = round(r["achieved_cps"], 1) if r.get("achieved_cps") else None
    for q in ("p50", "p90", "p99"):
        v = r.get("setup_ms_" + q)
        step["setup_ms_" + q] = round(v, 3) if v is not None else None
    step["setup_samples"] = r.get("setup_samples")
    for k in ("failed_setup_timeout", "failed_bye_timeout", "failed_non_2xx", "failed_table_full",
              "failed_unfinished", "first_failure_status", "send_errors", "seconds", "stale_responses",
              "parse_errors", "foreign_messages", "acks_resent"):
        step["uac_" + k] = r.get(k)


def main():
    out_path, csv_path, rtt_path = sys.argv[1:4]
    step = {}
    for kv in sys.argv[4:]:
        k, _, v = kv.partition("=")
        step[k] = number(v) if v != "" else None
    if csv_path.endswith(".json"):
        from_loadgen(csv_path, step)
        finish(step, out_path)
        return
    stat = last_row(csv_path)

    def col(name):
        v = stat.get(name)
        return number(v) if v not in (None, "") else None

    step["calls_offered"] = step.get("calls_offered")
    step["successful"] = col("SuccessfulCall(C)")
    step["failed"] = col("FailedCall(C)")
    step["retransmissions_uac"] = col("Retransmissions(C)")
    step["created"] = col("OutgoingCall(C)")
    rtts = rtt_rows(rtt_path)
    if len(rtts) >= 2:
        times = sorted(t for t, _ in rtts)
        span = (times[-1] - times[0]) / 1000.0
        # Rate of completed setups over the window they arrived in.
        step["achieved_cps"] = round((len(times) - 1) / span, 1) if span > 0 else None
        values = sorted(v for _, v in rtts)
        step["setup_ms_p50"] = round(percentile(values, 0.50), 3)
        step["setup_ms_p90"] = round(percentile(values, 0.90), 3)
        step["setup_ms_p99"] = round(percentile(values, 0.99), 3)
        step["setup_samples"] = len(values)
    else:
        step["achieved_cps"] = None
        step["setup_ms_p50"] = step["setup_ms_p90"] = step["setup_ms_p99"] = None
        step["setup_samples"] = len(rtts)
    finish(step, out_path)


def finish(step, out_path):
    """Failure share, CPU per call and per message; appends and prints the step."""
    ok = step["successful"]
    total = (ok or 0) + (step["failed"] or 0)
    step["failed_pct"] = round(100.0 * (step["failed"] or 0) / total, 4) if total else None
    step["retransmissions"] = (step.get("retransmissions_uac") or 0) + (step.get("retransmissions_uas") or 0)
    cpu = step.get("lb_cpu_s")
    msgs = step.get("lb_messages")
    step["lb_cpu_us_per_call"] = round(1e6 * cpu / ok, 2) if cpu is not None and ok else None
    step["lb_cpu_us_per_msg"] = round(1e6 * cpu / msgs, 3) if cpu is not None and msgs else None
    with open(out_path, "a") as f:
        f.write(json.dumps(step, sort_keys=True) + "\n")
    print("  %-8s %-8s offered %6s/s achieved %8s/s ok %6s failed %4s (%s%%) retrans %4s p50 %s ms p99 %s ms"
          " | LB cpu %s s, %s us/call, %s us/msg (%s msgs) | UAC cpu %s s" % (
              step.get("system"), step.get("kind"), step.get("offered_cps"), step["achieved_cps"], ok,
              step["failed"], step["failed_pct"], step.get("retransmissions"), step["setup_ms_p50"],
              step["setup_ms_p99"], cpu, step["lb_cpu_us_per_call"], step["lb_cpu_us_per_msg"], msgs,
              step.get("uac_cpu_s")))


if __name__ == "__main__":
    main()
