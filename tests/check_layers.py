#!/usr/bin/env python3
"""Checks that includes point down the layers only.

Usage: check_layers.py SOURCE_DIR | --self-test

The layers, bottom first (CMakeLists.txt links one library per folder in this
order, and a folder's headers are on the include path of that folder and the
ones above it only, so a wrong-way include also fails to build):
    kernels < platform < bench < tune < plan < model < harness
Every #include "..." of a .c, .cc or .h file in those folders must name a
header of its own folder (or a subfolder, e.g. kernels/x86/, platform/peak/)
or of a folder below it. Prints each arrow that points up; exits 1 if any.
"""
import os
import re
import sys

LAYERS = ["kernels", "platform", "bench", "tune", "plan", "model", "harness"]
GENERATED = {"q4t_built.def", "q4t_commit.h"}  # written by CMake into the build tree (kernels, platform)


def self_test():
    """A tree with one wrong-way include (platform -> plan) must fail, and one without it pass."""
    import tempfile
    with tempfile.TemporaryDirectory() as top:
        for d in ("platform", "plan"):
            os.makedirs(os.path.join(top, d))
        with open(os.path.join(top, "plan", "plan.h"), "w") as f:
            f.write('#include "pool.h"\n')
        with open(os.path.join(top, "platform", "pool.h"), "w") as f:
            f.write("\n")
        down = check(top)
        with open(os.path.join(top, "platform", "pool.c"), "w") as f:
            f.write('#include "pool.h"\n#include "plan.h"\n')
        up = check(top)
    ok = down == 0 and up == 1
    print("layers self-test:", "ok" if ok else f"FAILED (down {down}, up {up})")
    return 0 if ok else 1


def main():
    return self_test() if sys.argv[1] == "--self-test" else check(sys.argv[1])


def check(top):
    where = {}  # header file name -> the layer that holds it
    for layer in LAYERS:
        for root, _, files in os.walk(os.path.join(top, layer)):
            for f in files:
                if f.endswith((".h", ".def")):
                    where.setdefault(f, layer)
    bad, arrows = [], set()
    for rank, layer in enumerate(LAYERS):
        for root, _, files in os.walk(os.path.join(top, layer)):
            for f in files:
                if not f.endswith((".c", ".cc", ".h")):
                    continue
                path = os.path.join(root, f)
                with open(path, encoding="utf-8") as src:
                    for n, line in enumerate(src, 1):
                        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                        if not m:
                            continue
                        name = os.path.basename(m.group(1))
                        if name in GENERATED:
                            continue
                        if name not in where:
                            bad.append(f"{os.path.relpath(path, top)}:{n}: includes \"{m.group(1)}\", in no layer")
                            continue
                        to = where[name]
                        if to != layer:
                            arrows.add((layer, to))
                        if LAYERS.index(to) > rank:
                            bad.append(f"{os.path.relpath(path, top)}:{n}: {layer} includes \"{m.group(1)}\" of {to}, "
                                       "a layer above it")
    for b in bad:
        print(b)
    print(f"layers: {len(arrows)} arrows between folders, {sum(1 for a, b in arrows if LAYERS.index(b) > LAYERS.index(a))} "
          f"pointing up: " + ", ".join(f"{a}->{b}" for a, b in sorted(arrows, key=lambda x: (LAYERS.index(x[0]), LAYERS.index(x[1])))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
