#!/bin/sh
# install_check.sh BUILD WORK RESULTS: cmake --install of BUILD into
# WORK/prefix, whose q4tune takes the installed assets (report --help names
# them) and writes a report; then cpack's .tar.gz and .deb,
# each holding bin/q4tune, the schemas and the report's assets.
set -eu
build=$(cd "$1" && pwd) work=$2 results=$3
fail() { echo "install_check: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/q4tune share/q4tune/README.md share/q4tune/schema/tuned-v1.schema.json share/q4tune/report/vega.min.js; do
    [ -e "$work/prefix/$f" ] || fail "the install has no $f"
done
env -u Q4T_REPORT_ASSETS "$work/prefix/bin/q4tune" report --help | grep -qx "  assets here: $work/prefix/bin/../share/q4tune/report" ||
    fail "the installed q4tune does not take the installed assets"
env -u Q4T_REPORT_ASSETS "$work/prefix/bin/q4tune" report "$results" -o "$work/report.html" ||
    fail "the installed q4tune could not write a report from its own assets"
grep -q 'window.Q4T_REPORT' "$work/report.html" || fail "the report holds no data"
(cd "$work" && cpack --config "$build/CPackConfig.cmake" -B "$work/packages" >/dev/null) || fail "cpack failed"
tgz=$(ls "$work"/packages/*.tar.gz) deb=$(ls "$work"/packages/*.deb)
tar tzf "$tgz" >"$work/tgz.list"
dpkg-deb -c "$deb" >"$work/deb.list"
grep -q '/bin/q4tune$' "$work/tgz.list" || fail "$tgz holds no bin/q4tune"
grep -q './usr/bin/q4tune$' "$work/deb.list" || fail "$deb holds no /usr/bin/q4tune"
grep -q 'share/q4tune/report/vega.min.js$' "$work/deb.list" || fail "$deb holds no report assets"
dpkg-deb -f "$deb" Depends
echo "install_check: installed, a report from the installed assets, $(basename "$tgz") and $(basename "$deb")"
