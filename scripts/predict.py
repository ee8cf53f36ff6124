#!/usr/bin/env python3
"""scripts/predict.py: the static per-core model of q4tune's kernels (llvm-mca).

The unit of work is a *step*: one 32-weight block of the whole MR x NR register
tile, scale and conversion work included. For each kernel the tool finds, in
the kernel's own object file, the loop that does that work (the innermost loop
holding the most int8 multiply-accumulate instructions), checks that one pass of
it is a whole number of steps (its MACs over MR x NR x 32), and gives that loop,
as compiled, to llvm-mca under each core's scheduling model: steady-state
cycles per step, MACs per cycle, GOPS at the core's clock, the bottleneck, and
the share of the core's int8 issue peak (itself a llvm-mca loop of independent
MAC instructions). LLVM has no SME model: SME kernels get instructions per
step by kind instead of cycles: executed ones, counted under qemu by
scripts/predict-sme (--sme-counts, on cores at that file's SVL), else the
block loop's static instructions.

  predict.py table --manifest M --cores C --out OUT [--slow-down KERNEL] [--sme-counts F]   the predicted-v1 record
  predict.py gate BASELINE TABLE [--threshold 2]         fails if a step got slower
  predict.py baseline TABLE... --out BASELINE            writes the gate's baseline
  predict.py loop OBJ --arch A [--mcpu X]               one object's block loop, shown or timed

Nothing here runs a kernel: what the model does not know (memory and cache
misses, the clock under load, SME units shared between cores) it does not
claim. The anchors (scripts/predict-anchors) use the same functions.
"""
import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SCHEMA = "q4tune-predicted"  # schema_version 1: results/schema/predicted-v1.schema.json
STEP_K = 32  # weights per block: a step is one block of the whole tile
# llvm-mca runs each loop twice, for these many iterations: the difference of
# the two totals over the difference of the counts is the steady-state cycles
# per iteration (the ramp-up and drain cancel).
ITERATIONS = (40, 120)

# The int8 multiply-accumulate instructions, by kind: (architecture, kind,
# pattern on "mnemonic operands", MACs of one instruction as a function of the
# vector length in bits). SVE and streaming SVE lengths are the core's.
MAC_KINDS = [
    ("aarch64", "sdot", r"^sdot\s+v\d+\.4s", lambda vl: 16),
    ("aarch64", "smmla", r"^smmla\s+v\d+\.4s", lambda vl: 32),
    ("aarch64", "smlal", r"^(smull|smull2|smlal|smlal2)\s+v\d+\.8h", lambda vl: 8),
    ("aarch64", "sve-sdot", r"^sdot\s+z\d+\.s,\s*z\d+\.b", lambda vl: vl // 8),
    ("aarch64", "sve-smmla", r"^smmla\s+z\d+\.s", lambda vl: vl // 4),
    ("aarch64", "smopa", r"^smopa\s+za\d\.s", lambda vl: (vl // 32) ** 2 * 4),
    ("aarch64", "sme2-sdot-vgx4", r"^sdot\s+za\.s.*vgx4", lambda vl: 4 * vl // 8),
    ("aarch64", "sme2-sdot-vgx2", r"^sdot\s+za\.s.*vgx2", lambda vl: 2 * vl // 8),
    ("x86_64", "vpdpbusd-zmm", r"^(\{vex\}\s+)?vpdpbusd\s.*%zmm\d+$", lambda vl: 64),
    ("x86_64", "vpdpbusd-ymm", r"^(\{vex\}\s+)?vpdpbusd\s.*%ymm\d+$", lambda vl: 32),
    ("x86_64", "vpmaddubsw-zmm", r"^vpmaddubsw\s.*%zmm\d+$", lambda vl: 64),
    ("x86_64", "vpmaddubsw-ymm", r"^vpmaddubsw\s.*%ymm\d+$", lambda vl: 32),
]

# The peak probes: a loop of independent MAC instructions of each kind the
# core has (feature), its MACs per cycle under the core's model.
PEAK_PROBES = {
    "sdot": ("sdot", "sdot v{a}.4s, v28.16b, v29.16b"),
    "smmla": ("i8mm", "smmla v{a}.4s, v28.16b, v29.16b"),
    "sve-sdot": ("sve", "sdot z{a}.s, z28.b, z29.b"),
    "sve-smmla": ("svei8mm", "smmla z{a}.s, z28.b, z29.b"),
    "vpdpbusd-zmm": ("avx512vnni", "vpdpbusd %zmm28, %zmm29, %zmm{a}"),
    "vpdpbusd-ymm": ("avxvnni", "{{vex}} vpdpbusd %ymm14, %ymm15, %ymm{a}"),
    "vpmaddubsw-ymm": ("avx2", "vpmaddubsw %ymm14, %ymm15, %ymm{a}"),
}
PROBE_WIDTH = {"aarch64": 28, "x86_64": 14}  # independent accumulators per probe loop

# The features a kernel's ISA flag group (cmake/isa.cmake) needs on a core.
GROUP_FEATURES = {
    "neon": ["neon"],
    "sdot": ["neon", "sdot"],
    "i8mm": ["neon", "i8mm"],
    "sve": ["sve"],
    "sve_i8mm": ["sve", "svei8mm"],
    "sme": ["sme", "smei8i32"],
    "sme2": ["sme", "sme2", "smei8i32"],
    "avx2": ["avx2"],
    "avxvnni": ["avx2", "avxvnni"],
    "avx512vnni": ["avx512f", "avx512bw", "avx512vl", "avx512vnni"],
}

# What llvm-mca is told the target can assemble (it does not change the model).
MATTR = {
    "aarch64": "+neon,+dotprod,+i8mm,+sve,+sve2,+sme,+sme2,+fullfp16",
    "x86_64": "+avx2,+fma,+f16c,+avx512f,+avx512bw,+avx512vl,+avx512vnni,+avxvnni",
}
TRIPLE = {"aarch64": "aarch64-linux-gnu", "x86_64": "x86_64-linux-gnu"}
COMMENT = {"aarch64": "#", "x86_64": "#"}  # llvm-mca reads its region markers after "#" on both

# SME kinds counted per step (no LLVM model of SME).
SME_KINDS = [
    ("mopa", r"^(smopa|fmopa|sumopa|usmopa|umopa)\b"),
    ("sdot-za", r"^sdot\s+za\."),
    ("sdot-z", r"^sdot\s+z\d+\.s"),  # streaming SVE SDOT into a vector (SME v1 GEMV)
    ("luti4", r"^luti4\b"),
    ("loads", r"^(ld1|ldr|ld1r|ldnt1|ldp|ld2|ld4)"),
    ("stores", r"^(st1|str|stp|stnt1)"),
    ("mova-za", r"^(mova|mov\s+\{?\s*z\d+.*za|mov\s+za)"),  # also SME2's multi-vector mov { z.. }, za..
    ("mode-switches", r"^(smstart|smstop)\b"),
]


class PredictError(Exception):
    pass


def tool(name, env_var):
    return os.environ.get(env_var) or name


def run(cmd, stdin=None):
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise PredictError(f"{' '.join(cmd[:3])}...: exit {p.returncode}: {p.stderr.strip()[:800]}")
    return p.stdout


# --- the kernel's own loop, from its object file -----------------------------

INSN_RE = re.compile(r"^\s*([0-9a-f]+):\s+(.*?)\s*$")
FUNC_RE = re.compile(r"^([0-9a-f]+) <([^>]+)>:$")
TARGET_RE = re.compile(r"(0x[0-9a-f]+|[0-9a-f]+) <[^>]+>$")


def disassemble(obj, arch):
    """[(function, [(address, text)])] of an object's code, text normalised to
    'mnemonic operands' (single spaces, no comments)."""
    out = run([tool("llvm-objdump-19", "Q4T_LLVM_OBJDUMP"), "-d", "--no-show-raw-insn", obj])
    funcs, cur = [], None
    for line in out.splitlines():
        m = FUNC_RE.match(line)
        if m:
            cur = (m.group(2), [])
            funcs.append(cur)
            continue
        m = INSN_RE.match(line)
        if not m or cur is None:
            continue
        text = m.group(2)
        cut = text.find("//" if arch == "aarch64" else "#")
        if cut >= 0:
            text = text[:cut]
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            cur[1].append((int(m.group(1), 16), text))
    return funcs


def is_branch(arch, text):
    mnem = text.split(" ", 1)[0]
    if arch == "x86_64":
        return mnem.startswith("j")
    return mnem in ("b", "cbz", "cbnz", "tbz", "tbnz") or mnem.startswith("b.")


def branch_target(text):
    m = TARGET_RE.search(text)
    return int(m.group(1), 16) if m else None


def loops_of(arch, insns):
    """Loops as (first index, last index), one per backward branch (a latch)
    and its target: two latches to one head are two loops, the shorter one
    the hot path without what only the longer one runs."""
    index = {a: i for i, (a, _) in enumerate(insns)}
    loops = []
    for i, (a, text) in enumerate(insns):
        if is_branch(arch, text):
            t = branch_target(text)
            if t is not None and t <= a and t in index:
                loops.append((index[t], i))
    return sorted(loops)


def mac_kind(arch, text):
    for a, kind, pattern, _ in MAC_KINDS:
        if a == arch and re.search(pattern, text):
            return kind
    return None


def macs_of(kind, vl):
    for _, k, _, fn in MAC_KINDS:
        if k == kind:
            return fn(vl)
    raise PredictError(f"unknown MAC kind {kind}")


def macs_in(arch, insns, vl):
    """The int8 MACs the instructions insns do at vector length vl."""
    return sum(macs_of(kind, vl) for kind in map(lambda t: mac_kind(arch, t), insns) if kind)


def block_loop(obj, arch, symbol=None, enclosing=False):
    """The loop that does a kernel's steps: of the innermost loops, the one
    with the most MAC instructions. Returns a dict: function, start, end
    (addresses), insns (texts), macs (kind -> count), nested (whether it holds
    inner loops: then it is not one straight pass and llvm-mca cannot time it).
    symbol: only that function's loops. enclosing: the caller knows the
    innermost loops run once per pass of the loop around them (KleidiAI's
    per-sub-block K loops when a block is one sub-block): the loop is then
    chosen among those one level out (holding only innermost loops), by the
    same keys, and read as one straight pass (nested False, inner listed)."""
    def inside(loops, first, last):
        return [(f, l) for f, l in loops if (f, l) != (first, last) and first <= f and l <= last]

    best = None
    for fname, insns in disassemble(obj, arch):
        if symbol is not None and fname != symbol:
            continue
        loops = loops_of(arch, insns)
        for first, last in loops:
            inner = inside(loops, first, last)
            if enclosing and (not inner or any(inside(loops, f, l) for f, l in inner)):
                continue
            n = sum(1 for _, text in insns[first:last + 1] if mac_kind(arch, text))
            if n == 0:
                continue
            # innermost first, then the most MAC instructions, then the tightest
            key = (not inner or enclosing, n, first - last)
            if best is None or key > best[0]:
                best = (key, fname, insns, inner, first, last)
    if best is None:
        raise PredictError(f"{obj}{':' + symbol if symbol else ''}: no {'outer ' if enclosing else ''}loop holds "
                           f"an int8 multiply-accumulate instruction")
    _, fname, insns, inner, first, last = best
    macs = {}
    for _, text in insns[first:last + 1]:
        k = mac_kind(arch, text)
        if k:
            macs[k] = macs.get(k, 0) + 1
    return {"function": fname, "start": insns[first][0], "end": insns[last][0],
            "insns": [t for _, t in insns[first:last + 1]], "macs": macs, "nested": bool(inner) and not enclosing,
            "inner": [[t for _, t in insns[f:l + 1]] for f, l in inner]}


def tile_of(name):
    """(mr, nr) tokens of a kernel name <op>_..._<MR>x<NR>: each an integer or
    'Nvl' (N vector units of 32-bit lanes)."""
    m = re.search(r"_(\d*vl|\d+)x(\d*vl|\d+)(_[a-z0-9]+)?$", name)
    if not m:
        raise PredictError(f"{name}: no MRxNR tile in the name")
    return m.group(1), m.group(2)


def tile_size(tok, vl):
    if tok.endswith("vl"):
        return int(tok[:-2] or 1) * vl // 32
    return int(tok)


# LLVM 19's Neoverse N2, V1 and V2 models put the fixed-point forms of the
# vector int <-> fp conversions (SCVTF/UCVTF/FCVTZS/FCVTZU Vd, Vn, #fbits) on
# any vector pipe and the integer forms on fewer, where the cores' software
# optimization guides list both forms in one row. So that no loop gains from
# that gap, a fixed-point conversion is timed as its integer form (the same
# registers, the same data dependences): the conservative reading.
FIXED_POINT_CVT = re.compile(r"^((?:scvtf|ucvtf|fcvtzs|fcvtzu) v\d+\.\w+, v\d+\.\w+), #(?:0x[0-9a-f]+|\d+)$")


def loop_asm(arch, label, insns):
    """The loop as llvm-mca input: a label at its head and branches to it;
    branches elsewhere (out of the loop, or forward inside it) go to a label
    after it; fixed-point conversions as their integer forms
    (FIXED_POINT_CVT). llvm-mca runs the instructions in order, every pass."""
    head = f"{label}:"
    lines = [f"{COMMENT[arch]} LLVM-MCA-BEGIN {label}", head]
    for i, text in enumerate(insns):
        if is_branch(arch, text):
            text = TARGET_RE.sub(label if i == len(insns) - 1 else label + "_out", text)
        elif arch == "aarch64":
            text = FIXED_POINT_CVT.sub(r"\1", text)
        lines.append(text)
    lines.append(f"{COMMENT[arch]} LLVM-MCA-END {label}")
    lines.append(f"{label}_out:")
    return lines


# --- llvm-mca -------------------------------------------------------------------

def mca_run(arch, mcpu, text, iterations):
    cmd = [tool("llvm-mca-19", "Q4T_LLVM_MCA"), f"-mtriple={TRIPLE[arch]}", f"-mcpu={mcpu}",
           f"-mattr={MATTR[arch]}", f"-iterations={iterations}", "-bottleneck-analysis", "-instruction-info=0",
           "-resource-pressure=1"]
    out = run(cmd, stdin=text)
    chunks = re.split(r"^\[\d+\] Code Region - (\S+)\s*$", out, flags=re.M)
    return dict(zip(chunks[1::2], chunks[2::2]))


def mca(arch, mcpu, regions):
    """Runs llvm-mca over regions [(label, [asm lines])] under -mcpu; returns
    {label: {cycles, rthroughput, bottleneck, pressure}} where cycles is per
    iteration of the loop in steady state."""
    text = "\n".join(line for _, body in regions for line in body) + "\n"
    short, long = (mca_run(arch, mcpu, text, n) for n in ITERATIONS)
    results = {}
    for label, _ in regions:
        if label not in short or label not in long:
            raise PredictError(f"llvm-mca -mcpu={mcpu}: no result for {label}")
        body = long[label]
        total = [int(re.search(r"^Total Cycles:\s+(\d+)", b[label], re.M).group(1)) for b in (short, long)]
        cycles = (total[1] - total[0]) / (ITERATIONS[1] - ITERATIONS[0])
        rt = float(re.search(r"^Block RThroughput:\s+([\d.]+)", body, re.M).group(1))
        res = {"cycles": cycles, "rthroughput": rt, "pressure": pressure(body)}
        res["bottleneck"] = bottleneck(body, res["pressure"], total[1] / ITERATIONS[1])
        results[label] = res
    return results


def pressure(body):
    """Cycles per iteration on each resource (llvm-mca's resource pressure)."""
    names = re.findall(r"^\[([\d.]+)\]\s+-\s+(\S+)$", body, re.M)
    m = re.search(r"^Resource pressure per iteration:\n(.*)\n(.*)\n", body, re.M)
    if not names or not m:
        return {}
    cols = re.findall(r"\[([\d.]+)\]", m.group(1))
    vals = m.group(2).split()
    unit = dict((idx, name) for idx, name in names)
    out = {}
    for idx, v in zip(cols, vals):
        if v != "-":
            out[unit.get(idx, idx)] = float(v)
    return out


def bottleneck(body, press, cycles):
    """What llvm-mca names as the limit: the busiest resources when resource
    pressure dominates, the dependency chain when dependencies do."""
    rp = re.search(r"Resource Pressure\s+\[\s*([\d.]+)%", body)
    dd = re.search(r"Data Dependencies:\s+\[\s*([\d.]+)%", body)
    rp = float(rp.group(1)) if rp else 0.0
    dd = float(dd.group(1)) if dd else 0.0
    top = sorted(press.items(), key=lambda kv: -kv[1])
    busiest = [k for k, v in top if top and v >= 0.95 * top[0][1]][:4]
    load = top[0][1] / cycles if top and cycles else 0.0
    if dd > rp and dd > 5:
        return f"dependency chain ({dd:.0f}% of cycles); busiest {', '.join(busiest)} at {100 * load:.0f}%"
    if not busiest:
        return "front end / dispatch"
    return f"{', '.join(busiest)} at {100 * load:.0f}% of cycles"


# --- the table -------------------------------------------------------------------

def compiler_tag(desc):
    m = re.match(r"(\w+)\D*(\d+)", desc)
    return f"{m.group(1).lower()}-{m.group(2)}" if m else desc


def core_runs(core, group):
    return all(f in core["features"] for f in GROUP_FEATURES[group])


def core_vl(core, group):
    return core["sme_bits"] if group.startswith("sme") else core["sve_bits"] or 128


def parallel(fn, items):
    """fn over items, as many at once as there are CPUs (llvm-mca runs are
    independent processes)."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(fn, items))


def peaks(arch, cores):
    """Per core: MACs per cycle of each int8 kind it has, at full issue."""
    def probe_regions(core):
        regions = []
        for kind, (feat, pattern) in PEAK_PROBES.items():
            if feat in core["features"] and (kind.startswith("vp") == (arch == "x86_64")):
                label = "peak_" + kind.replace("-", "_")
                body = [pattern.format(a=a) for a in range(PROBE_WIDTH[arch])]
                body.append("subs x0, x0, #1" if arch == "aarch64" else "decq %rax")
                body.append("b.ne 0x0 <x>" if arch == "aarch64" else "jne 0x0 <x>")
                regions.append((label, loop_asm(arch, label, body)))
        return regions

    def one(core):
        regions = probe_regions(core)
        res = mca(arch, core["llvm_mcpu"], regions) if regions else {}
        vl = core["sve_bits"] or 128
        return {kind: round(PROBE_WIDTH[arch] * macs_of(kind, vl) / res["peak_" + kind.replace("-", "_")]["cycles"], 2)
                for kind in PEAK_PROBES if "peak_" + kind.replace("-", "_") in res}

    mine = [c for c in cores if c["arch"] == arch]
    return dict(zip((c["id"] for c in mine), parallel(one, mine)))


def sme_kind(text):
    """The SME_KINDS kind of an instruction, None for 'other' (also scripts/predict-sme)."""
    for kind, pattern in SME_KINDS:
        if re.search(pattern, text):
            return kind
    return None


def sme_counts(loop, steps):
    counts = {}
    for text in loop["insns"]:
        kind = sme_kind(text) or "other"
        counts[kind] = counts.get(kind, 0) + 1
    return {k: round(v / steps, 3) for k, v in counts.items()}


def step_entry(core, item):
    """A step's size on a core and the loop's steps per pass: item has group,
    tile (MR, NR tokens) and loop (block_loop)."""
    vl = core_vl(core, item["group"])
    mr, nr = (tile_size(t, vl) for t in item["tile"])
    step_macs = mr * nr * STEP_K
    loop = item["loop"]
    loop_macs = sum(n * macs_of(kind, vl) for kind, n in loop["macs"].items())
    return {"mr": mr, "nr": nr, "macs_per_step": step_macs}, loop_macs / step_macs, loop_macs


def predict_core(arch, core, items, core_peak):
    """{name: entry} for the items (group, tile, loop) the core can run."""
    regions, plan = [], []
    for item in items:
        if not core_runs(core, item["group"]):
            continue
        entry, steps, loop_macs = step_entry(core, item)
        loop = item["loop"]
        if item["group"].startswith("sme"):
            entry["steps_per_iteration"] = round(steps, 4)
            dyn = item.get("sme_dynamic")
            if dyn and dyn["svl_bits"] == core["sme_bits"]:
                c = dyn["counts"]
                entry["instructions_per_step"] = {k: v for k, v in c["per_step"].items() if k != "total"}
                entry["fixed_instructions"] = {f: {k: v for k, v in c[f].items() if k != "total"}
                                               for f in ("fixed_one_tile", "further_tile_m", "further_tile_n")}
                entry["count"] = "dynamic"
                entry["note"] = (f"dynamic count under qemu at SVL {dyn['svl_bits']} (scripts/predict-sme), "
                                 f"compiled by {dyn['compiler']}: no LLVM model of SME, so instructions executed "
                                 "per step by kind, not cycles; fixed_instructions: a one-tile call's own work "
                                 "(mode switches included) and each further tile's")
            else:
                entry["instructions_per_step"] = sme_counts(loop, steps)
                entry["inner_loops"] = [len(b) for b in loop["inner"]]
                entry["count"] = "static"
                why = (f"no dynamic count at SVL {core['sme_bits']} (scripts/predict-sme's are at "
                       f"{dyn['svl_bits']})" if dyn else "no dynamic count (scripts/predict-sme) for this kernel "
                       "and compiler")
                entry["note"] = ("static count of the block loop, " + why + ": no LLVM model of SME, so "
                                 "instructions per step by kind, not cycles; inner loops (their lengths in "
                                 "inner_loops) counted once per pass of the outer one")
            plan.append((item, entry, None))
            continue
        if loop["nested"] or abs(steps - round(steps)) > 1e-6 or steps < 1:
            raise PredictError(f"{item['name']}: its MAC loop at {loop['start']:#x} is {steps:g} steps "
                               f"({loop_macs} MACs against {entry['macs_per_step']} per step"
                               f"{', with inner loops' if loop['nested'] else ''}): not a whole number of blocks")
        entry["steps_per_iteration"] = int(round(steps))
        label = "k_" + item["name"]
        regions.append((label, loop_asm(arch, label, loop["insns"])))
        plan.append((item, entry, label))
    res = mca(arch, core["llvm_mcpu"], regions) if regions else {}
    out = {}
    for item, entry, label in plan:
        if label:
            r = res[label]
            cps = r["cycles"] / entry["steps_per_iteration"]
            mpc = entry["macs_per_step"] / cps
            entry.update({"cycles_per_step": round(cps, 3), "macs_per_cycle": round(mpc, 2),
                          "gops": round(2 * mpc * core["clock_ghz"], 1),
                          "pct_of_peak": round(100 * mpc / core_peak, 1) if core_peak else None,
                          "bottleneck": r["bottleneck"]})
        out[item["name"]] = entry
    return out


def predict_items(arch, items, cores, peak):
    """{core id: {name: entry}} over the cores of arch, in parallel."""
    mine = [c for c in cores if c["arch"] == arch]
    res = parallel(lambda c: predict_core(arch, c, items, max(peak.get(c["id"], {}).values(), default=0)), mine)
    return dict(zip((c["id"] for c in mine), res))


def loop_record(loop):
    return {"function": loop["function"], "start": f"{loop['start']:#x}", "end": f"{loop['end']:#x}",
            "instructions": len(loop["insns"]), "mac_instructions": loop["macs"], "inner_loops": len(loop["inner"])}


def slow_down(arch, loop):
    """The loop with one more instruction, dependent on its last multiply-
    accumulate (a copy of the accumulator onto itself): the gate's own test
    that it catches a kernel made slower."""
    last = max(i for i, t in enumerate(loop["insns"]) if mac_kind(arch, t))
    text = loop["insns"][last]
    if arch == "x86_64":
        reg = text.rsplit(",", 1)[1].strip()
        extra = f"vpor {reg}, {reg}, {reg}"
    else:
        reg = re.match(r"^\S+\s+([vz]\d+)", text).group(1)
        extra = f"orr {reg}.16b, {reg}.16b, {reg}.16b" if reg[0] == "v" else f"orr {reg}.d, {reg}.d, {reg}.d"
    return dict(loop, insns=loop["insns"][:last + 1] + [extra] + loop["insns"][last + 1:])


def sme_dynamic(sme, kernel):
    """The kernel's counts in an sme-counts-v1 record (scripts/predict-sme) for
    its compiler (by compiler_tag), with the record's SVL; None if absent."""
    build = (sme or {}).get("builds", {}).get(compiler_tag(kernel["compiler"]))
    if not build or kernel["name"] not in build["kernels"]:
        return None
    return {"svl_bits": sme["svl_bits"], "compiler": build["compiler"], "counts": build["kernels"][kernel["name"]]}


def predict_kernels(arch, kernels, cores, peak, slow=None, sme=None):
    """kernels: [{name, group, obj, compiler}] of one architecture; slow: the
    name of one to slow down (slow_down); sme: an sme-counts-v1 record."""
    items = []
    for k in kernels:
        try:
            loop = block_loop(k["obj"], arch)
            items.append(dict(k, loop=slow_down(arch, loop) if k["name"] == slow else loop, tile=tile_of(k["name"]),
                              sme_dynamic=sme_dynamic(sme, k) if k["group"].startswith("sme") else None))
        except PredictError as e:
            raise PredictError(f"{k['name']}: {e}")
    by_core = predict_items(arch, items, cores, peak)
    return [{"name": it["name"], "arch": arch, "op": "gemv" if it["name"].startswith("gemv") else "gemm",
             "isa_group": it["group"], "compiled_by": it["compiler"], "loop": loop_record(it["loop"]),
             "cores": {c: by_core[c][it["name"]] for c in by_core if it["name"] in by_core[c]}}
            for it in items]


def mca_version():
    out = run([tool("llvm-mca-19", "Q4T_LLVM_MCA"), "--version"])
    m = re.search(r"LLVM version ([\d.]+)", out)
    return m.group(1) if m else out.strip().splitlines()[0]


def cmd_table(args):
    with open(args.manifest) as f:
        manifest = json.load(f)
    with open(args.cores) as f:
        cores = json.load(f)["cores"]
    sme = None
    if args.sme_counts:
        with open(args.sme_counts) as f:
            sme = json.load(f)
        if sme.get("schema") != "q4tune-sme-counts" or sme.get("schema_version") != 1:
            raise PredictError(f"{args.sme_counts}: not a q4tune-sme-counts record of schema version 1")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    record = {"schema": SCHEMA, "schema_version": 1,
              "about": "Predicted by llvm-mca from each kernel's own compiled loop: no Arm device ran these. "
                       "A step is one 32-weight block of the whole MR x NR tile, scale and conversion work "
                       "included. Not modelled: memory and cache misses, the clock under load, SME units "
                       "shared between cores.",
              "llvm_mca": mca_version(), "iterations": list(ITERATIONS), "compilers": {}, "cores": [], "kernels": []}
    for arch in ("x86_64", "aarch64"):
        entries = [e for e in manifest["kernels"] if e["arch"] == arch and e["group"] != "ref"]
        if not entries:
            continue
        kernels = [{"name": e["name"], "group": e["group"], "obj": e["object"], "compiler": e["compiler"]}
                   for e in entries]
        record["compilers"][arch] = sorted({e["compiler"] for e in entries})
        peak = peaks(arch, cores)
        for core in cores:
            if core["arch"] == arch:
                c = dict(core)
                c["int8_peak_macs_per_cycle"] = peak.get(core["id"], {})
                record["cores"].append(c)
        record["kernels"] += predict_kernels(arch, kernels, cores, peak, args.slow_down, sme)
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)
    n = sum(len(k["cores"]) for k in record["kernels"])
    print(f"predict: {len(record['kernels'])} kernels x {len(record['cores'])} cores, {n} predictions -> {args.out}")


# --- the gate --------------------------------------------------------------------

def steps_of(table):
    """{(arch, compiler tag, kernel, core): cycles per step} of a table."""
    out = {}
    for k in table["kernels"]:
        for core, e in k["cores"].items():
            if "cycles_per_step" in e:
                out[(k["arch"], compiler_tag(k["compiled_by"]), k["name"], core)] = e["cycles_per_step"]
    return out


def cmd_baseline(args):
    entries = {}
    for path in args.tables:
        with open(path) as f:
            entries.update(steps_of(json.load(f)))
    base = {"schema": "q4tune-predicted-baseline", "schema_version": 1,
            "about": "Predicted cycles per step (llvm-mca) of every kernel on every core, by architecture and "
                     "compiler: the gate (ctest predict.gate) fails when one gets more than 2% worse. "
                     "Update it in a commit of its own: scripts/predict.py baseline TABLE... --out THIS.",
            "entries": {"/".join(key): v for key, v in sorted(entries.items())}}
    with open(args.out, "w") as f:
        json.dump(base, f, indent=1)
        f.write("\n")
    print(f"predict: baseline of {len(entries)} entries -> {args.out}")


def cmd_gate(args):
    with open(args.baseline) as f:
        base = json.load(f)["entries"]
    with open(args.table) as f:
        now = {"/".join(key): v for key, v in steps_of(json.load(f)).items()}
    tags = {key.rsplit("/", 2)[0] for key in now}
    worse, better, new, gone = [], 0, [], []
    for key, v in sorted(now.items()):
        if key not in base:
            new.append(key)
        elif v > base[key] * (1 + args.threshold / 100):
            worse.append(f"{key}: {base[key]:.3f} -> {v:.3f} cycles per step (+{100 * (v / base[key] - 1):.1f}%)")
        elif v < base[key] * (1 - args.threshold / 100):
            better += 1
    for key in base:
        if key.rsplit("/", 2)[0] in tags and key not in now:
            gone.append(key)
    print(f"gate: {len(now)} predictions against {len(base)} in the baseline "
          f"(threshold {args.threshold:g}%): {len(worse)} worse, {better} better, {len(new)} new, {len(gone)} gone")
    for line in worse:
        print("  worse: " + line)
    for key in new:
        print("  new (not in the baseline): " + key)
    for key in gone:
        print("  gone (in the baseline, not predicted): " + key)
    if worse or gone:
        print("gate: FAILED (a kernel got slower in the model; if that is intended, update "
              "results/predicted/baseline.json in a commit of its own)")
        return 1
    return 0


def cmd_loop(args):
    loop = block_loop(args.obj, args.arch)
    lines = loop_asm(args.arch, "loop", loop["insns"])
    print(f"{loop['function']} {loop['start']:#x}..{loop['end']:#x}: {len(loop['insns'])} instructions, "
          f"MACs {loop['macs']}, inner loops {len(loop['inner'])}")
    if args.mcpu:
        r = mca(args.arch, args.mcpu, [("loop", lines)])["loop"]
        print(f"{args.mcpu}: {r['cycles']:.3f} cycles per iteration; {r['bottleneck']}")
    else:
        print("\n".join(lines))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("table")
    t.add_argument("--manifest", required=True)
    t.add_argument("--cores", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--slow-down", metavar="KERNEL",
                   help="add one instruction dependent on the last MAC of KERNEL's loop (the gate's own test)")
    t.add_argument("--sme-counts", metavar="FILE",
                   help="the SME kernels' executed instructions per step (scripts/predict-sme, sme-counts-v1): "
                        "used on cores at its SVL instead of the block loop's static count")
    g = sub.add_parser("gate")
    g.add_argument("baseline")
    g.add_argument("table")
    g.add_argument("--threshold", type=float, default=2.0)
    b = sub.add_parser("baseline")
    b.add_argument("tables", nargs="+")
    b.add_argument("--out", required=True)
    lp = sub.add_parser("loop")
    lp.add_argument("obj")
    lp.add_argument("--arch", required=True, choices=["aarch64", "x86_64"])
    lp.add_argument("--mcpu")
    args = p.parse_args()
    try:
        return {"table": cmd_table, "gate": cmd_gate, "baseline": cmd_baseline, "loop": cmd_loop}[args.cmd](args) or 0
    except (PredictError, OSError) as e:
        print(f"predict: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
