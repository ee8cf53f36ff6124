#!/bin/sh
# remote_check.sh ssh|adb SOURCE WORK Q4TUNE PYTHON [QEMU BUNDLE]
# scripts/remote end to end against this machine:
#   ssh: a real OpenSSH server started here on 127.0.0.1 at a high port
#        (throwaway host and user keys in WORK), beside an unreachable target;
#   adb: tests/fake-adb, a stand-in that runs adb's push, shell and pull
#        locally (no phone here); with QEMU and an aarch64 BUNDLE tarball, as
#        an aarch64 phone under that emulator.
# The good target's results must validate against their schemas, the bad one
# must be reported as unreachable, and nothing pushed may be left behind.
set -eu
mode=$1 src=$2 work=$3 q4tune=$4 python=$5
fail() { echo "remote_check: $*" >&2; exit 1; }
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)
[ -x "$q4tune" ] || fail "no host q4tune at $q4tune for the report (build natively first)"
before=$(ls -d /tmp/q4tune.* /data/local/tmp/q4tune.* 2>/dev/null | wc -l)
tune="--shapes 1x256x128,12x96x64 --budget 3s"
case $mode in
ssh)
    [ "$(id -u)" -eq 0 ] || fail "sshd on a high port for root's login needs root"
    [ -x /usr/sbin/sshd ] || fail "no /usr/sbin/sshd (Debian's openssh-server; scripts/deps installs it for the tests)"
    ssh-keygen -q -t ed25519 -N '' -f "$work/host_key"
    ssh-keygen -q -t ed25519 -N '' -f "$work/user_key"
    cp "$work/user_key.pub" "$work/authorized_keys"
    port=$((20000 + $$ % 20000))
    cat >"$work/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $work/host_key
AuthorizedKeysFile $work/authorized_keys
PidFile $work/sshd.pid
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
CONF
    mkdir -p /run/sshd
    /usr/sbin/sshd -f "$work/sshd_config" -E "$work/sshd.log" || fail "sshd did not start: $(cat "$work/sshd.log")"
    trap 'kill "$(cat "$work/sshd.pid")" 2>/dev/null || true' EXIT
    opts="-i $work/user_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$work/known_hosts -o StrictHostKeyChecking=accept-new"
    set +e
    "$python" "$src/scripts/remote" --out "$work/results" --logs "$work/logs" --q4tune "$q4tune" --ssh-option "$opts" \
        --run-model tiny "ssh://root@127.0.0.1:$port" "ssh://root@127.0.0.1:1" -- $tune >"$work/out" 2>&1
    code=$?
    set -e
    cat "$work/out"
    [ $code -eq 1 ] || fail "exit status $code with one unreachable target, not 1"
    grep -q "ssh://root@127.0.0.1:1: FAILED: unreachable over ssh" "$work/out" || fail "the unreachable target is not reported as such"
    ;;
adb)
    set +e
    mkdir -p "$work/device-tmp"
    extra=""
    [ $# -ge 7 ] && extra="--bundle aarch64=$7"
    FAKE_ADB_QEMU=${6:-} Q4T_ADB_TMP="$work/device-tmp" PATH="$src/tests/fake-adb:$PATH" "$python" "$src/scripts/remote" \
        --out "$work/results" --logs "$work/logs" --q4tune "$q4tune" --run-model tiny $extra adb:fake-1 -- $tune \
        >"$work/out" 2>&1
    code=$?
    set -e
    cat "$work/out"
    [ $code -eq 0 ] || fail "exit status $code"
    ;;
esac
grep -q "report: .* devices" "$work/out" || fail "no report at the end"
[ -f "$work/logs/report.html" ] || fail "no report page"
for kind in tuned verify roofline; do
    f=$(ls "$work"/results/*/"$kind.json" 2>/dev/null | head -n1)
    [ -n "$f" ] || fail "no $kind.json pulled"
done
schema=$src/results/schema
"$python" "$src/tests/validate_json.py" "$schema/tuned-v1.schema.json" "$work"/results/*/tuned.json
"$python" "$src/tests/validate_json.py" "$schema/verify-v1.schema.json" "$work"/results/*/verify.json
"$python" "$src/tests/validate_json.py" "$schema/roofline-v1.schema.json" "$work"/results/*/roofline.json
"$python" "$src/tests/validate_json.py" "$schema/run-v2.schema.json" "$work"/results/*/run-*.json
after=$(ls -d /tmp/q4tune.* /data/local/tmp/q4tune.* 2>/dev/null | wc -l)
[ "$after" -le "$before" ] || fail "the pushed files were left behind: $(ls -d /tmp/q4tune.* 2>/dev/null)"
[ ! -d "$work/device-tmp" ] || [ -z "$(ls -A "$work/device-tmp")" ] || fail "left on the device: $(ls "$work/device-tmp")"
echo "remote_check: $mode: results pulled, valid, report written, nothing left behind"
