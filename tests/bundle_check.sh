#!/bin/sh
# bundle_check.sh chroot BUNDLE WORK | qemu BUNDLE WORK QEMU
# The relocatable bundle (cmake --build B --target bundle) runs q4tune info,
# verify, a short run and, where the build made the table, predict with
# nothing else there (no LLVM either):
#   chroot: in a chroot holding only the bundle's files (no /proc, no /sys,
#           no shell, no libraries but its own; needs root);
#   qemu:   under qemu-aarch64 with -L at the bundle, through the bundle's
#           loader, after the loader's own list shows every library it
#           resolves inside the bundle.
set -eu
mode=$1 bundle=$2 work=$3
fail() { echo "bundle_check: $*" >&2; exit 1; }
[ -x "$bundle/bin/q4tune" ] || fail "no bundle at $bundle (cmake --build B --target bundle)"
rm -rf "$work"
mkdir -p "$work"
cp -a "$bundle" "$work/root"
root=$work/root
case $mode in
chroot)
    [ "$(id -u)" -eq 0 ] || fail "a chroot needs root"
    q4() { chroot "$root" /bin/q4tune "$@"; }
    ;;
qemu)
    qemu=$4
    loader=$(cd "$root/lib" && ls ld-linux-*.so.*)
    "$qemu" -L "$root" "$root/lib/$loader" --library-path "$root/lib" --list "$root/lib/q4tune" >"$work/list" ||
        fail "the bundle's loader cannot resolve lib/q4tune"
    cat "$work/list"
    outside=$(grep '=>' "$work/list" | grep -v "=> $root/lib/" || true)
    [ -z "$outside" ] || fail "libraries from outside the bundle: $outside"
    q4() { "$qemu" -L "$root" "$root/lib/$loader" --library-path "$root/lib" "$root/lib/q4tune" "$@"; }
    ;;
*) fail "mode chroot or qemu, not '$mode'" ;;
esac
q4 info >"$work/info" 2>&1 || { cat "$work/info"; fail "info failed"; }
grep -q '^kernel ' "$work/info" || { cat "$work/info"; fail "info lists no kernels"; }
sed -n '1,8p' "$work/info"
q4 verify || fail "verify failed"
q4 run --model tiny --prompt 8 --gen 4 --reps 1 --warmup 0 --no-save --no-roofline >"$work/run" 2>&1 ||
    { cat "$work/run"; fail "run failed"; }
grep -q 'decode (tok/s)' "$work/run" || { cat "$work/run"; fail "run printed no decode figure"; }
if [ -e "$root/share/q4tune/predicted.json" ]; then # the build made the predicted table: it must be read
    q4 predict --core neoverse-v2 --op gemm >"$work/predict" 2>&1 || { cat "$work/predict"; fail "predict failed"; }
    grep -q '^  gemm_q4_i8mm_8x4 .*V2Unit' "$work/predict" ||
        { cat "$work/predict"; fail "predict printed no prediction of gemm_q4_i8mm_8x4 on neoverse-v2"; }
fi
if [ "$mode" = chroot ]; then # no /sys, no /proc: said, not met later
    grep -q '^sysfs: .*cannot be read' "$work/info" || fail "info does not say that sysfs cannot be read"
    grep -q 'peak RSS not known' "$work/run" || fail "run does not say that the peak RSS is not known"
fi
echo "bundle_check: $mode: info, verify, run (and predict where the table is there) ok with only the bundle's files"
