#!/usr/bin/env python3
"""Checks the data of a page q4tune report wrote (window.Q4T_REPORT).

usage: check_report.py PAGE.html shipped RESULTS_DIR [PREDICTED.json]
       check_report.py PAGE.html fixtures

shipped: every results/<device-id>/ holding records is one device of the page,
at least two real devices have a tuned file, a sweep, a roofline and a run
with figures, every emulated device has a verify record and no timings, and
at least one history has two or more points with values; the static model's
records (the build's predicted table when given, an anchors record under
RESULTS_DIR) are the page's predicted and anchors, not devices. fixtures: the
broken, future and partial inputs get the lines they should (the partial device
has a side-by-side of tests/fake-llama-bench and an accuracy record), the
predicted table and anchors of fixtures/predicted are on the page whole, its
Cortex-A76 device is a device, its predict-check device shows the later of its
two records whole (the earlier one superseded, a later version skipped), and
the page still holds the shipped devices.
Exit 1 with every failed check printed.
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The device of fixtures/predicted/<id>/predict-check*.json (q4tune predict --check znver5 --out, on the
# machine the fixture was made on).
PREDICT_CHECK_DEVICE = "x86-64-fixture-zen5-check-2c"

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def page_data(path):
    html = open(path, encoding="utf-8").read()
    m = re.search(r"<script>window\.Q4T_REPORT = (.*?);</script>", html, re.S)
    if not m:
        sys.exit(f"{path}: no window.Q4T_REPORT in the page")
    check("</script" not in m.group(1).lower(), "the data closes no script element early")
    return json.loads(m.group(1).replace("<\\/", "</"))


def record_dirs(results):
    dirs = set()
    for root, _, files in os.walk(results):
        for f in files:
            if not f.endswith(".json"):
                continue
            try:
                doc = json.load(open(os.path.join(root, f)))
            except ValueError:
                continue
            if (isinstance(doc, dict) and str(doc.get("schema", "")).startswith("q4tune-")
                    and isinstance(doc.get("device"), dict)):
                dirs.add(doc["device"]["id"])
    return dirs


def records_of(results, schema):
    found = []
    for root, _, files in os.walk(results):
        for f in sorted(files):
            if f.endswith(".json"):
                try:
                    doc = json.load(open(os.path.join(root, f)))
                except ValueError:
                    continue
                if isinstance(doc, dict) and doc.get("schema") == schema and doc.get("schema_version") == 1:
                    found.append(doc)
    return found


def cells(predicted):
    return sorted((k["name"], c) for k in predicted["kernels"] for c in k["cores"])


def check_model(data, predicted, anchors):
    """The page's predicted and anchors against the records it was given (None: none given)."""
    page_p, page_a = data.get("predicted"), data.get("anchors")
    if predicted is None:
        check(page_p is None, "no predicted table given, none on the page")
    else:
        check(isinstance(page_p, dict) and cells(page_p) == cells(predicted)
              and [c["id"] for c in page_p["cores"]] == [c["id"] for c in predicted["cores"]],
              f"the predicted table is on the page whole: {len(predicted['kernels'])} kernels, "
              f"{len(predicted['cores'])} cores, {len(cells(predicted))} cells")
    if anchors is None:
        check(page_a is None, "no anchors record given, none on the page")
    else:
        check(isinstance(page_a, dict) and page_a.get("comparison") == anchors["comparison"]
              and page_a.get("sources") == anchors["sources"],
              f"the anchors record is on the page: {len(anchors['comparison'])} comparisons")
    check("" not in {d["id"] for d in data["devices"]}, "the static model's records are not devices")
    kinds = [i for i in data["inputs"] if i["kind"] in ("predicted", "anchors")]
    check(all(i["status"] in ("used", "superseded", "skipped") for i in kinds),
          f"the static model's inputs are read: {[(i['path'], i['status']) for i in kinds]}")


def figures(run):
    return all(isinstance(run.get(k), dict) and run[k].get("median", 0) > 0
               for k in ("ttft_ms", "prefill_tok_s", "decode_tok_s"))


def main():
    if (len(sys.argv) < 3 or sys.argv[2] not in ("shipped", "fixtures")
            or (sys.argv[2] == "shipped") != (len(sys.argv) in (4, 5))):
        sys.exit(__doc__)
    data = page_data(sys.argv[1])
    check(data.get("schema") == "q4tune-report-data" and data.get("schema_version") == 1, "the data's schema")
    devices = {d["id"]: d for d in data["devices"]}
    real = [d for d in data["devices"] if not d["emulated"]]
    emulated = [d for d in data["devices"] if d["emulated"]]
    if sys.argv[2] == "shipped":
        want = record_dirs(sys.argv[3])
        check(set(devices) == want, f"one device per stored device id: {sorted(devices)} vs {sorted(want)}")
        full = [d["id"] for d in real
                if d["tuned"] and d["tuned"]["shapes"] and d["sweep"] and d["sweep"]["shapes"]
                and d["roofline"] and d["roofline"]["read_gbs_all"] > 0 and any(figures(r) for r in d["runs"])]
        check(len(full) >= 2, f"two or more real devices with tuned, sweep, roofline and run: {full}")
        for d in emulated:
            check(d["verify"] is not None and d["verify"]["kernels"], f"{d['id']}: emulated, with its verify record")
            check(not d["tuned"] and not d["runs"], f"{d['id']}: emulated, so no timings")
        check(len(emulated) >= 1, "an emulated aarch64 device")
        vs = [d["id"] for d in real if any(v.get("figures") for v in d["vs_llama"])]
        check(len(vs) >= 1, f"a real device with a llama.cpp side-by-side: {vs}")
        long = [h["figure"] for h in data["history"]
                if len(h["points"]) >= 2 and all(p["value"] > 0 for p in h["points"])]
        check(len(long) >= 1, f"a history of two or more points: {len(long)}")
        errors = [i for i in data["inputs"] if i["status"] == "error"]
        check(not errors, f"no shipped file is unreadable: {errors}")
        anchors = records_of(sys.argv[3], "q4tune-anchors")
        anchors.sort(key=lambda a: a.get("created", ""))
        check_model(data, json.load(open(sys.argv[4])) if len(sys.argv) == 5 else None,
                    anchors[-1] if anchors else None)
    else:
        notes = {i["path"].split("fixtures/")[-1]: (i["status"], i["note"]) for i in data["inputs"]}
        check(notes.get("broken/tuned.json", ("", ""))[0] == "error" and "not JSON" in notes["broken/tuned.json"][1],
              "a truncated file is an error line naming it")
        check(notes.get("future/run.json", ("", ""))[0] == "skipped" and "version 99" in notes["future/run.json"][1],
              "a later schema version is skipped, saying so")
        check(notes.get("empty", ("", ""))[0] == "skipped", "an empty directory gets a line")
        part = devices.get("x86-64-test-partial-1c")
        check(part is not None and part["tuned"] is not None and part["runs"], "a partial device is still a device")
        check(part is not None and len(part["vs_llama"]) == 1 and len(part["accuracy"]) == 1,
              "its llama.cpp side-by-side (a stand-in's) and accuracy records are there")
        check(len(real) >= 2, "the shipped devices are there too")
        fx = os.path.join(HERE, "fixtures", "predicted")
        check(notes.get("future/predicted.json", ("", ""))[0] == "skipped"
              and "version 7" in notes["future/predicted.json"][1],
              "a later version of the predicted table is skipped, saying so")
        check_model(data, json.load(open(os.path.join(fx, "predicted.json"))),
                    json.load(open(os.path.join(fx, "anchors.json"))))
        check(notes.get("future/predict-check.json", ("", ""))[0] == "skipped"
              and "version 2" in notes["future/predict-check.json"][1],
              "a later version of the predict-check record is skipped, saying so")
        pc_dir = os.path.join(fx, PREDICT_CHECK_DEVICE)
        latest = json.load(open(os.path.join(pc_dir, "predict-check.json")))
        earlier = json.load(open(os.path.join(pc_dir, "predict-check-earlier.json")))
        pc = devices.get(PREDICT_CHECK_DEVICE)
        shown = pc and pc.get("predict_check")
        check(isinstance(shown, dict) and shown.get("created") == latest["created"] > earlier["created"]
              and shown.get("kernels") == latest["kernels"] and shown.get("ranking") == latest["ranking"]
              and shown.get("core") == latest["core"],
              f"{PREDICT_CHECK_DEVICE}: its latest predict-check record is on the page whole "
              f"({len(latest['kernels'])} kernels, {len(latest['ranking'])} ranking groups)")
        pc_notes = {k: v[0] for k, v in notes.items() if k.startswith(f"predicted/{PREDICT_CHECK_DEVICE}/")}
        check(pc_notes == {f"predicted/{PREDICT_CHECK_DEVICE}/predict-check.json": "used",
                           f"predicted/{PREDICT_CHECK_DEVICE}/predict-check-earlier.json": "superseded"},
              f"the earlier predict-check record of the device is superseded: {pc_notes}")
        a76 = devices.get("arm64-cortex-a76-4c")
        check(a76 is not None and a76["tuned"] is not None and a76["device"]["cpu_model"] == "4x Cortex-A76",
              "the device naming a core of the predicted table (4x Cortex-A76) is a device with its tuned record")
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
