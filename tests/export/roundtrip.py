#!/usr/bin/env python3
"""q4tune export checked against its sources: roundtrip.py --q4tune CMD --out DIR FILE...

CMD runs q4tune ('|'-separated: an emulator first under a cross build). FILE... are
stored run records and tuned files (results/<device>/); at least one tuned file and
one run record of schema version 1 must be among them. Two fresh run records of the
tiny preset (q4tune run, schema version 2; one plain, one with --depth and --kv f32)
are made and added. The three exports of all of them are written to DIR
(export.github-bigger.json, export.github-smaller.json, export.bmf.json, for the
schema tests), and each must hold exactly the figures of the sources under the
names the sources give (device, model and run or shape, figure; unique), each value,
range (github) and lower/upper value (BMF) equal to the source's (relative 1e-9),
the configuration in extra. Also: -o OUT writes what stdout gets, twice the same, and
a failed export (a record without ttft_ms) exits 2 naming the file and leaves an
existing OUT as it was, with no temporary file beside it. Exit 0 if all holds, else 1.
"""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

FORMATS = ("github-bigger", "github-smaller", "bmf")
problems = []


def fail(msg):
    problems.append(msg)


def close(a, b):
    return isinstance(a, (int, float)) and math.isfinite(a) and abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def figure(bench, name, unit, slug, bigger, value, lo=None, hi=None, range_of=None, bmf_scale=1.0, extra=()):
    return {"bench": bench, "figure": name, "unit": unit, "slug": slug, "bigger": bigger, "value": value,
            "lo": lo, "hi": hi, "range_of": range_of, "bmf_scale": bmf_scale, "extra": list(extra)}


def phase_config(d, phase):
    """What extra must say of a run's phase: its kernels, threads and mask."""
    pool = d["pools"][phase]
    kernels = {m[phase]["kernel"] for m in d["selection"]}
    return sorted(kernels) + [f"{pool['threads']} thread", f"mask {pool['mask']}"]


def run_figures(d):
    r = d["run"]
    depth, kv = r.get("depth", 0), r.get("kv_cache", "f16")  # version 1 has neither
    bench = (f"{d['device']['id']} {d['model']['name']} " + (f"d{depth} " if depth else "") +
             f"p{r['prompt']} g{r['gen']}" + (f" kv-{kv}" if kv != "f16" else "") +
             (" tuned" if r["tuned"] is not None else ""))
    out = []
    for key, name, unit, slug, bigger, phase in (
            ("ttft_ms", "TTFT ms", "ms", "ttft-ms", False, "prefill"),
            ("prefill_tok_s", "prefill tok/s", "tok/s", "prefill-tok-s", True, "prefill"),
            ("decode_tok_s", "decode tok/s", "tok/s", "decode-tok-s", True, "decode")):
        f = d[key]
        if f is not None:
            out.append(figure(bench, name, unit, slug, bigger, f["median"], f["p10"], f["p90"], "p10..p90",
                              extra=phase_config(d, phase)))
    b = d["decode_bandwidth"]
    if b is not None:
        out.append(figure(bench, "decode bandwidth %", "%", "decode-bandwidth-pct", True, b["percent"],
                          extra=phase_config(d, "decode")))
    return out


def tuned_figures(d):
    out = []
    for s in d["shapes"]:
        if not s["complete"]:
            continue
        bench = f"{d['device']['id']} {s['op']} {s['M']}x{s['N']}x{s['K']}" + (f" ({s['what']})" if s["what"] else "")
        w, c = s["winner"], s["winner"]["config"]
        extra = [c["kernel"], f"{c['threads']} thread", f"mask {c['mask']}"]
        ci = f"{100 * w['ci_level']:.1f}% CI"
        m, lo, hi = w["median_s"], w["ci_low_s"], w["ci_high_s"]
        out.append(figure(bench, "winner \u00b5s", "\u00b5s", "latency", False, m * 1e6, lo * 1e6, hi * 1e6, ci, 1e3,
                          extra))
        out.append(figure(bench, "winner GOPS", "GOPS", "throughput-gops", True, w["gops"], w["gops"] * m / hi,
                          w["gops"] * m / lo, ci, extra=extra))
        out.append(figure(bench, "winner GB/s", "GB/s", "bandwidth-gb-s", True, w["gbps"], w["gbps"] * m / hi,
                          w["gbps"] * m / lo, ci, extra=extra))
    return out


def export(cmd, fmt, files, out=None):
    args = cmd + ["export", "--format", fmt] + files + (["-o", out] if out else [])
    return subprocess.run(args, capture_output=True, text=True)


def check_github(fmt, doc, expected):
    want = {f"{f['bench']}: {f['figure']}": f for f in expected if f["bigger"] == (fmt == "github-bigger")}
    if not isinstance(doc, list):
        return fail(f"{fmt}: not a JSON array")
    names = [e.get("name") for e in doc]
    if len(set(names)) != len(names):
        fail(f"{fmt}: names not unique: {sorted(n for n in set(names) if names.count(n) > 1)}")
    if set(names) != set(want):
        fail(f"{fmt}: names differ: missing {sorted(set(want) - set(names))}, extra {sorted(set(names) - set(want))}")
    for e in doc:
        f = want.get(e.get("name"))
        if not f:
            continue
        if e.get("unit") != f["unit"]:
            fail(f"{fmt}: {e['name']}: unit {e.get('unit')!r}, the source's is {f['unit']!r}")
        if not close(e.get("value"), f["value"]):
            fail(f"{fmt}: {e['name']}: value {e.get('value')}, the source's {f['value']}")
        if f["lo"] is None:
            if "range" in e:
                fail(f"{fmt}: {e['name']}: a range {e['range']!r} the source has none of")
        else:
            m = re.fullmatch(r"(\S+)\.\.(\S+) \((.+)\)", e.get("range", ""))
            if not m or not close(float(m[1]), f["lo"]) or not close(float(m[2]), f["hi"]) or m[3] != f["range_of"]:
                fail(f"{fmt}: {e['name']}: range {e.get('range')!r}, the source's "
                     f"{f['lo']!r}..{f['hi']!r} ({f['range_of']})")
        for part in f["extra"]:
            if part not in e.get("extra", ""):
                fail(f"{fmt}: {e['name']}: extra {e.get('extra')!r} does not say {part!r}")
    return len(want)


def check_bmf(doc, expected):
    want = {}
    for f in expected:
        want.setdefault(f["bench"], {})[f["slug"]] = f
    if not isinstance(doc, dict):
        return fail("bmf: not a JSON object")
    if set(doc) != set(want):
        fail(f"bmf: benchmarks differ: missing {sorted(set(want) - set(doc))}, extra {sorted(set(doc) - set(want))}")
    n = 0
    for bench, measures in doc.items():
        if bench not in want:
            continue
        if set(measures) != set(want[bench]):
            fail(f"bmf: {bench}: measures {sorted(measures)}, the source's {sorted(want[bench])}")
        for slug, metric in measures.items():
            f = want[bench].get(slug)
            if not f:
                continue
            n += 1
            scale = f["bmf_scale"]
            if not close(metric.get("value"), f["value"] * scale):
                fail(f"bmf: {bench} {slug}: value {metric.get('value')}, the source's {f['value'] * scale}")
            if f["lo"] is None:
                if "lower_value" in metric or "upper_value" in metric:
                    fail(f"bmf: {bench} {slug}: bounds the source has none of")
            elif not close(metric.get("lower_value"), f["lo"] * scale) or \
                    not close(metric.get("upper_value"), f["hi"] * scale):
                fail(f"bmf: {bench} {slug}: bounds {metric.get('lower_value')}..{metric.get('upper_value')}, "
                     f"the source's {f['lo'] * scale}..{f['hi'] * scale}")
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--q4tune", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    cmd = [c for c in a.q4tune.split("|") if c]
    shutil.rmtree(a.out, ignore_errors=True)
    os.makedirs(a.out)
    work = tempfile.mkdtemp(prefix="export-", dir=a.out)

    for extra in ([], ["--depth", "4", "--kv", "f32"]):
        p = subprocess.run(cmd + ["run", "--model", "tiny", "--prompt", "8", "--gen", "4", "--reps", "2", "--warmup",
                                  "0", "--no-roofline", "--out", work] + extra, capture_output=True, text=True)
        if p.returncode:
            sys.exit(f"q4tune run failed ({p.returncode}):\n{p.stdout}{p.stderr}")
    fresh = sorted(glob.glob(os.path.join(work, "*", "run-*.json")))
    if len(fresh) != 2:
        sys.exit(f"q4tune run should have written 2 records under {work}: {fresh}")
    files = a.files + fresh
    sources = [json.load(open(f)) for f in files]
    kinds = [(d.get("schema"), d.get("schema_version")) for d in sources]
    if ("q4tune-tuned", 1) not in kinds or ("q4tune-run", 1) not in kinds or ("q4tune-run", 2) not in kinds:
        sys.exit(f"need a tuned file and run records of versions 1 and 2, have {kinds}")
    expected = [f for d in sources for f in (tuned_figures(d) if d["schema"] == "q4tune-tuned" else run_figures(d))]
    if not any(f["slug"] == "decode-bandwidth-pct" for f in expected):
        sys.exit("no source has a decode bandwidth: nothing would check it")

    counts = {}
    for fmt in FORMATS:
        out = os.path.join(a.out, f"export.{fmt}.json")
        p = export(cmd, fmt, files, out)
        if p.returncode:
            fail(f"{fmt}: exit {p.returncode}: {p.stderr.strip()}")
            continue
        again = export(cmd, fmt, files)
        if again.returncode or again.stdout != open(out).read():
            fail(f"{fmt}: stdout differs from -o OUT (exit {again.returncode})")
        if export(cmd, fmt, files).stdout != again.stdout:
            fail(f"{fmt}: two exports of the same files differ")
        doc = json.load(open(out))
        counts[fmt] = check_bmf(doc, expected) if fmt == "bmf" else check_github(fmt, doc, expected)

    # A failed export writes nothing: OUT keeps its content, no temporary file is left beside it.
    tampered = os.path.join(work, "no-ttft.json")
    d = dict(sources[-1])
    del d["ttft_ms"]
    json.dump(d, open(tampered, "w"))
    out = os.path.join(work, "kept.json")
    open(out, "w").write("as before\n")
    p = export(cmd, "bmf", files + [tampered], out)
    if p.returncode != 2 or "no-ttft.json: ttft_ms missing" not in p.stderr:
        fail(f"a record without ttft_ms: exit {p.returncode} (want 2), stderr {p.stderr.strip()!r}")
    if open(out).read() != "as before\n":
        fail("a failed export changed its OUT")
    absent = os.path.join(work, "absent.json")
    p = export(cmd, "github-bigger", files + [tampered], absent)
    if p.returncode != 2 or os.path.exists(absent):
        fail(f"a failed export to a new OUT: exit {p.returncode} (want 2), "
             f"OUT {'made' if os.path.exists(absent) else 'not made'}")
    left = [f for f in os.listdir(work) if f.startswith(("kept.json.", "absent.json."))]
    if left:
        fail(f"temporary files left beside OUT: {left}")

    for msg in problems:
        print("FAIL:", msg)
    print(f"{len(files)} sources; figures compared: {counts}")
    if not problems and min(counts.values(), default=0) == 0:
        print("FAIL: a format exported nothing to compare")
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
