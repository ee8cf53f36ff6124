#!/usr/bin/env python3
"""scripts/vs-llama.cpp: q4tune against llama.cpp, side by side, on one GGUF.

Runs the user's own llama-bench and q4tune run on the same Q4_0 GGUF (given,
or written with q4tune's seeded weights of a preset's shape, with the
tokenizer keys llama.cpp needs), with the same threads, alternating one
repetition of each at a time (the engine that goes first alternates too, as
memory bandwidth drifts between runs), for:
  prefill at each prompt length (llama-bench -p P -n 0; q4tune --prompt P),
  decode at each depth (llama-bench -p 0 -n G -d D; q4tune --depth D
  --prompt 1 --gen G+1, so that both time G decode steps after D tokens).
Prints each figure of both engines (median and range over the rounds) and
their ratio, and stores them in results/<device-id>/vs-llama.cpp.json
(results/schema/vs-llama-v1.schema.json).

  scripts/vs-llama.cpp --llama-bench PATH [--gguf FILE | --model PRESET]
      [--threads N] [--prompts 128,512,1024,2048] [--depths 0,1024] [--gen 32]
      [--rounds 3] [--kv f16|f32] [--tuned FILE] [--q4tune PATH] [--out DIR]

llama-bench runs with its defaults otherwise (f16 KV cache, batch 2048,
ubatch 512); q4tune with --batch 512 and --kv as given (default f16, as
llama.cpp). Exit status: 0, 1 if a run fails, 2 on bad arguments."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fail(msg, code=1):
    print(f"vs-llama.cpp: {msg}", file=sys.stderr)
    sys.exit(code)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"{' '.join(cmd)} exited {r.returncode}:\n{r.stderr.strip()[-2000:]}")
    return r.stdout


def counts(s, what):
    try:
        v = [int(x) for x in s.split(",") if x != ""]
    except ValueError:
        fail(f"--{what} wants comma-separated numbers, not '{s}'", 2)
    if not v or min(v) < 0:
        fail(f"--{what} wants numbers >= 0, not '{s}'", 2)
    return v


def llama_bench(a, prompt, gen, depth):
    out = run([a.llama_bench, "-m", a.gguf, "-t", str(a.threads), "-p", str(prompt), "-n", str(gen), "-d",
               str(depth), "-r", "1", "-o", "json"])
    try:
        rows = json.loads(out)
        row = rows[0]
        return float(row["avg_ts"]), row
    except (ValueError, KeyError, IndexError, TypeError):
        fail(f"{a.llama_bench} printed no llama-bench JSON:\n{out[:500]}")


def q4tune(a, prompt, gen, depth):
    cmd = [a.q4tune, "run", "--gguf", a.gguf, "--threads", str(a.threads), "--prompt", str(prompt), "--gen",
           str(gen), "--depth", str(depth), "--kv", a.kv, "--reps", "1", "--warmup", "1", "--json", "--no-save",
           "--no-roofline"]
    if a.tuned:
        cmd += ["--tuned", a.tuned]
    rec = json.loads(run(cmd))
    return rec


def dist(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "samples": v}


def main():
    p = argparse.ArgumentParser(add_help=True, description=__doc__.split("\n\n")[0])
    p.add_argument("--llama-bench", required=True)
    p.add_argument("--gguf")
    p.add_argument("--model")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--prompts", default="128,512,1024,2048")
    p.add_argument("--depths", default="0,1024")
    p.add_argument("--gen", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--kv", choices=["f16", "f32"], default="f16")
    p.add_argument("--tuned")
    p.add_argument("--q4tune", default=os.path.join(ROOT, "build", "native", "q4tune"))
    p.add_argument("--out", default=os.path.join(ROOT, "results"))
    a = p.parse_args()
    if bool(a.gguf) == bool(a.model):
        fail("give one of --gguf FILE or --model PRESET", 2)
    if a.threads < 1 or a.gen < 1 or a.rounds < 1:
        fail("--threads, --gen and --rounds want numbers >= 1", 2)
    prompts, depths = counts(a.prompts, "prompts"), counts(a.depths, "depths")
    if 0 in prompts:
        fail("--prompts wants lengths >= 1", 2)
    for exe in (a.llama_bench, a.q4tune):
        if not os.access(exe, os.X_OK):
            fail(f"{exe} is not an executable file", 2)
    tmp = None
    if a.model:
        writer = os.path.join(os.path.dirname(a.q4tune), "tests", "gguf_preset")
        if not os.access(writer, os.X_OK):
            fail(f"{writer} is missing: build q4tune's tests (cmake --build build/native)", 2)
        tmp = tempfile.TemporaryDirectory()
        a.gguf = os.path.join(tmp.name, f"{a.model}-q4_0.gguf")
        run([writer, a.model, a.gguf])
    elif not os.path.isfile(a.gguf):
        fail(f"{a.gguf}: no such file", 2)

    cases = [("prefill", pr, 0) for pr in prompts] + [("decode", 0, d) for d in depths]
    figs = {c: {"llama.cpp": [], "q4tune": []} for c in cases}
    peer_info, device, breakdown = None, None, {}
    for rnd in range(a.rounds):
        for i, c in enumerate(cases):
            kind, prompt, depth = c
            order = ["llama.cpp", "q4tune"] if (rnd + i) % 2 == 0 else ["q4tune", "llama.cpp"]
            for engine in order:
                print(f"\rvs-llama.cpp: round {rnd + 1} of {a.rounds}: {kind} {prompt or depth} ({engine})   ",
                      end="", file=sys.stderr, flush=True)
                if engine == "llama.cpp":
                    ts, row = llama_bench(a, prompt if kind == "prefill" else 0, 0 if kind == "prefill" else a.gen,
                                          depth)
                    peer_info = {k: row.get(k) for k in ("build_commit", "build_number", "cpu_info", "backends",
                                                          "n_threads", "type_k", "type_v", "n_batch", "n_ubatch")}
                else:
                    rec = q4tune(a, prompt if kind == "prefill" else 1, 1 if kind == "prefill" else a.gen + 1, depth)
                    device = rec["device"]
                    ts = rec["prefill_tok_s" if kind == "prefill" else "decode_tok_s"]["median"]
                    breakdown[f"{kind}-{prompt or depth}"] = rec["breakdown"]["prefill" if kind == "prefill" else "decode"]
                figs[c][engine].append(ts)
    print("\r\033[K", end="", file=sys.stderr)

    rows = []
    print(f"q4tune vs llama.cpp on {device['id']}: {os.path.basename(a.gguf)}, {a.threads} threads, "
          f"{a.rounds} alternating rounds, KV cache {a.kv}")
    print(f"llama.cpp: {a.llama_bench} (commit {peer_info.get('build_commit')}, {peer_info.get('backends')})")
    print(f"{'':24} {'q4tune tok/s':>24} {'llama.cpp tok/s':>24} {'ratio':>8}")
    for c in cases:
        kind, prompt, depth = c
        q, l = dist(figs[c]["q4tune"]), dist(figs[c]["llama.cpp"])
        ratio = q["median"] / l["median"] if l["median"] > 0 else None
        what = f"prefill {prompt}" if kind == "prefill" else (f"decode at depth {depth}" if depth else "decode")
        fmt = lambda d: f"{d['median']:8.1f} ({d['min']:.1f}-{d['max']:.1f})"
        print(f"{what:24} {fmt(q):>24} {fmt(l):>24} " + (f"{ratio:7.2f}x" if ratio else "      -"))
        rows.append({"kind": kind, "prompt": prompt, "depth": depth, "gen": 0 if kind == "prefill" else a.gen,
                     "q4tune_tok_s": q, "llama_cpp_tok_s": l, "ratio": ratio,
                     "q4tune_breakdown": breakdown[f"{kind}-{prompt or depth}"]})
    rec = {"schema": "q4tune-vs-llama.cpp", "schema_version": 1, "device": device,
           "gguf": a.gguf if not a.model else f"synthetic {a.model}, seed 1 (written by tests/gguf_preset)",
           "threads": a.threads, "rounds": a.rounds, "kv_cache": a.kv, "tuned": a.tuned,
           "llama_cpp": dict(peer_info, path=a.llama_bench), "figures": rows}
    path = os.path.join(a.out, device["id"], "vs-llama.cpp.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(rec, f, indent=2)
        f.write("\n")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
