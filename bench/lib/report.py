#!/usr/bin/env python3
"""Turns bench/cps.sh's per-step JSON lines into the results:
<out>/<date>-<host>.json, <date>-<host>.md (also printed), and PNG plots
<date>-<host>-cps.png (achieved vs offered CPS) and -cpu.png (LB CPU per call),
drawn with gnuplot when it is installed."""
import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess


def load(path):
    out = []
    if os.path.exists(path):
        for line in open(path):
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%%.%df" % nd) % v
    return str(v)


def passed(s):
    """< 0.1% failed and achieved >= 90% of offered."""
    return s.get("failed_pct") is not None and s["failed_pct"] < 0.1 and bool(s.get("achieved_cps")) \
        and s["achieved_cps"] >= 0.9 * s["offered_cps"]


def max_ok(steps):
    """Highest offered rate that passed."""
    best = None
    for s in steps:
        if passed(s) and (best is None or s["offered_cps"] > best["offered_cps"]):
            best = s
    return best


def saturation(steps, best):
    """What limited the ladder: the first step past the best one, by CPU share."""
    after = [s for s in steps if best is None or s["offered_cps"] > best["offered_cps"]]
    if not after:
        return "nothing: the ladder's top rate passed (raise --rates)"
    s = after[0]
    secs = s.get("step_seconds") or 10
    # The loadgen reports how long its UAC ran; sipp's steps are estimated.
    wall = s.get("uac_seconds") or (s.get("calls_offered") or 0) / max(1, s["offered_cps"]) + 1.5
    parts = []
    gen = s.get("generator") or "sipp"
    for name, keys in (("%s UAC" % gen, ("uac_cpu_s", "uac_sipp_cpu_s")),
                       ("%s UASs" % gen, ("uas_cpu_s", "uas_sipp_cpu_s")), ("LB", ("lb_cpu_s",))):
        key = next((k for k in keys if s.get(k) is not None), None)
        if key is not None:
            parts.append("%s %.0f%%" % (name, 100.0 * s[key] / wall))
    return "at %s/s: failed %s%%, achieved %s/s; CPU over the step (%% of one core): %s" % (
        s["offered_cps"], fmt(s.get("failed_pct"), 2), fmt(s.get("achieved_cps")), ", ".join(parts))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", required=True)
    p.add_argument("--extra", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--rates", default="")
    p.add_argument("--step-seconds", default="")
    p.add_argument("--work", default="")
    p.add_argument("--generator", default="sipp")
    a = p.parse_args()
    steps = load(a.steps)
    extra = load(a.extra)
    host = socket.gethostname().split(".")[0]
    now = datetime.datetime.now()
    stem = os.path.join(a.out, "%s-%s" % (now.strftime("%Y%m%d-%H%M%S"), host))

    calls = {sys_: [s for s in steps if s.get("system") == sys_ and s.get("kind") == "calls"]
             for sys_ in ("sipedge", "kamailio")}
    summary = {}
    for sys_, ss in calls.items():
        if not ss:
            continue
        best = max_ok(ss)
        ok_steps = [s for s in ss if s.get("lb_cpu_us_per_msg") is not None and s.get("failed_pct") is not None
                    and s["failed_pct"] < 0.1]
        summary[sys_] = {
            "max_cps_under_0.1pct_failed": best["offered_cps"] if best else None,
            "achieved_at_max": best["achieved_cps"] if best else None,
            "limit": saturation(ss, best),
            # CPU per message: median over the passing steps.
            "lb_cpu_us_per_msg_median": sorted(s["lb_cpu_us_per_msg"] for s in ok_steps)[len(ok_steps) // 2]
            if ok_steps else None,
            "lb_cpu_us_per_call_median": sorted(s["lb_cpu_us_per_call"] for s in ok_steps)[len(ok_steps) // 2]
            if ok_steps else None,
        }
    if summary.get("sipedge", {}).get("lb_cpu_us_per_msg_median") and \
            summary.get("kamailio", {}).get("lb_cpu_us_per_msg_median"):
        summary["cpu_per_msg_ratio_kamailio_over_sipedge"] = round(
            summary["kamailio"]["lb_cpu_us_per_msg_median"] / summary["sipedge"]["lb_cpu_us_per_msg_median"], 2)
    # Same-rate ratios, step by step (both systems passed that rate).
    per_rate = []
    for s in calls.get("sipedge", []):
        k = [x for x in calls.get("kamailio", []) if x["offered_cps"] == s["offered_cps"]]
        if k and passed(s) and passed(k[0]) and s.get("lb_cpu_us_per_msg") and k[0].get("lb_cpu_us_per_msg"):
            per_rate.append({"offered_cps": s["offered_cps"],
                             "ratio": round(k[0]["lb_cpu_us_per_msg"] / s["lb_cpu_us_per_msg"], 2)})
    summary["cpu_per_msg_ratio_by_rate"] = per_rate
    alone = [s for s in steps if s.get("kind") == "generator"]
    if alone:
        best = max_ok(alone)
        summary["generator_alone_max_cps_under_0.1pct_failed"] = best["offered_cps"] if best else None

    result = {
        "date": now.isoformat(timespec="seconds"), "host": host, "kernel": platform.release(),
        "ncpu": os.cpu_count(), "rates": a.rates, "step_seconds": a.step_seconds, "generator": a.generator,
        "note": "2 cores shared with other work (compiles) and with sipp itself: figures are noisy; compare ratios.",
        "summary": summary, "steps": steps, "extra": extra,
    }
    os.makedirs(a.out, exist_ok=True)
    with open(stem + ".json", "w") as f:
        json.dump(result, f, indent=2, sort_keys=True)

    md = []
    md.append("## sipedge vs Kamailio, %s on %s (%s CPUs)\n" % (now.strftime("%Y-%m-%d %H:%M"), host, os.cpu_count()))
    if a.generator == "loadgen":
        md.append("Calls driven by bench/loadgen (C++ UAC and UASs, recvmmsg/sendmmsg, one thread each): INVITE, 100, "
                  "180, 200, ACK, 0.5 s, BYE, 200: 7 SIP messages through the LB per call. ")
    else:
        md.append("Calls driven by sipp (INVITE, 180, 200, ACK, 0.5 s, BYE, 200: 6 SIP messages through the LB per call). ")
    md[-1] += ("%s s per step. CPU = load balancer only: sipedge busy_cycles/tsc_hz of its worker, "
               "Kamailio utime+stime of all its processes. Generator CPU = utime+stime of the UAC and of both "
               "UASs over the step.\n" % a.step_seconds)
    md.append("| system | kind | offered/s | achieved/s | ok | failed | failed % | retrans | setup p50 ms | setup p90 ms "
              "| setup p99 ms | LB CPU s | LB CPU us/call | LB CPU us/msg | UAC CPU s | UASs CPU s |")
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in steps:
        if "status" in s:
            md.append("| %s | %s | %s |  |  |  |  |  |  |  |  |  |  |  |  |  |" % (s["system"], s["kind"], s["status"]))
            continue
        uac_cpu = s.get("uac_cpu_s", s.get("uac_sipp_cpu_s"))
        uas_cpu = s.get("uas_cpu_s", s.get("uas_sipp_cpu_s"))
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            s["system"], s["kind"], s["offered_cps"], fmt(s.get("achieved_cps")), fmt(s.get("successful")),
            fmt(s.get("failed")), fmt(s.get("failed_pct"), 3), fmt(s.get("retransmissions")),
            fmt(s.get("setup_ms_p50"), 2), fmt(s.get("setup_ms_p90"), 2), fmt(s.get("setup_ms_p99"), 2),
            fmt(s.get("lb_cpu_s"), 3), fmt(s.get("lb_cpu_us_per_call"), 1), fmt(s.get("lb_cpu_us_per_msg"), 2),
            fmt(uac_cpu, 2), fmt(uas_cpu, 2)))
    md.append("")
    if any(s.get("kind") == "register" for s in steps):
        md.append("REGISTER rows (always sipp): offered/s = REGISTER scenarios/s, each two REGISTER transactions "
                  "(bind, unbind); achieved/s = completed first registrations per second; us/msg over REGISTERs + 200s.\n")
    md.append("| summary | sipedge | Kamailio |")
    md.append("|---|---|---|")
    se, ka = summary.get("sipedge", {}), summary.get("kamailio", {})
    md.append("| max CPS with < 0.1%% failed (achieved >= 90%% of offered) | %s | %s |" % (
        fmt(se.get("max_cps_under_0.1pct_failed")), fmt(ka.get("max_cps_under_0.1pct_failed"))))
    md.append("| what stopped the ladder | %s | %s |" % (se.get("limit", "-"), ka.get("limit", "-")))
    md.append("| LB CPU per SIP message, median of passing steps (us) | %s | %s |" % (
        fmt(se.get("lb_cpu_us_per_msg_median"), 2), fmt(ka.get("lb_cpu_us_per_msg_median"), 2)))
    md.append("| LB CPU per call, median of passing steps (us) | %s | %s |" % (
        fmt(se.get("lb_cpu_us_per_call_median"), 1), fmt(ka.get("lb_cpu_us_per_call_median"), 1)))
    if alone:
        md.append("| the generator alone (loadgen UAC <-> one UAS over loopback, no LB): max CPS, same rule | %s | |" % (
            fmt(summary["generator_alone_max_cps_under_0.1pct_failed"])))
    if "cpu_per_msg_ratio_kamailio_over_sipedge" in summary:
        md.append("| CPU per message, Kamailio / sipedge | %s | |" % summary["cpu_per_msg_ratio_kamailio_over_sipedge"])
    md.append("")
    dis = [e for e in extra if e.get("kind") == "disruption"]
    if dis:
        md.append("Disruption, one of N destinations down (fraction of Call-IDs that moved; ideal 1/N):\n")
        md.append("| system | N | ideal | moved avg | moved max | moved between survivors (max) | survivors' max/mean load | method |")
        md.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for e in dis:
            md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                e["system"], e["n"], fmt(e.get("ideal"), 4), fmt(e.get("moved_fraction_avg"), 4),
                fmt(e.get("moved_fraction_max"), 4), fmt(e.get("moved_between_survivors_max"), 4),
                fmt(e.get("survivor_max_over_mean_avg"), 3), e.get("method", "")))
        md.append("")
    pipe = [e for e in extra if e.get("kind") == "pipeline"]
    if pipe:
        md.append("sipedge in-process pipeline (bench/pipeline, net_ring, 1 worker):\n")
        md.append("| mode | Mpps per core | calls/s per core | ns per packet | wall Mpps |")
        md.append("|---|---:|---:|---:|---:|")
        for e in pipe:
            md.append("| %s | %s | %s | %s | %s |" % (e.get("mode"), e.get("mpps_per_core"), e.get("calls_per_s_per_core"),
                                                   e.get("ns_per_packet"), e.get("wall_mpps")))
        md.append("")
    md.append("Noisy: 2 cores shared by the generator (UAC + 2 UASs), the load balancer and other work on the machine. "
              "Quote ratios, not absolute figures.")
    text = "\n".join(md) + "\n"
    with open(stem + ".md", "w") as f:
        f.write(text)
    print(text)

    # Plots.
    if shutil.which("gnuplot"):
        dat = {}
        for sys_, ss in calls.items():
            path = stem + "-%s.dat" % sys_
            with open(path, "w") as f:
                for s in ss:
                    f.write("%s %s %s\n" % (s["offered_cps"], s.get("achieved_cps") or 0,
                                            s.get("lb_cpu_us_per_call") if s.get("lb_cpu_us_per_call") is not None else "NaN"))
            dat[sys_] = path
        if any(calls.values()):
            plots = []
            for sys_, title in (("sipedge", "sipedge"), ("kamailio", "Kamailio 5.6")):
                if calls.get(sys_):
                    plots.append((dat[sys_], title))
            gp = ['set terminal pngcairo size 900,560' if "pngcairo" in subprocess.run(
                ["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stderr + subprocess.run(
                ["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stdout else 'set terminal png size 900,560',
                  'set grid', 'set key left top',
                  'set output "%s-cps.png"' % stem, 'set title "Achieved vs offered CPS (%s)"' % host,
                  'set xlabel "offered calls/s"', 'set ylabel "achieved calls/s"',
                  'plot ' + ", ".join('"%s" using 1:2 with linespoints lw 2 title "%s"' % (d, t) for d, t in plots)
                  + ', x with lines dt 2 lc rgb "gray" title "offered"',
                  'set output "%s-cpu.png"' % stem, 'set title "Load balancer CPU per call (%s)"' % host,
                  'set ylabel "CPU microseconds per call"', 'set logscale y',
                  'plot ' + ", ".join('"%s" using 1:3 with linespoints lw 2 title "%s"' % (d, t) for d, t in plots)]
            r = subprocess.run(["gnuplot"], input="\n".join(gp) + "\n", capture_output=True, text=True)
            if r.returncode != 0:
                print("gnuplot failed: " + r.stderr)
            else:
                print("plots: %s-cps.png %s-cpu.png" % (stem, stem))
    print("results: %s.json %s.md" % (stem, stem))


if __name__ == "__main__":
    main()
