"""Shared by scripts/qemu-nor-test and scripts/qemu-nvmc-test: run a driver
test firmware under qemu-system-arm, read its UART lines (the format of
src/port/testfw/fw_test.h) with a bound, stop QEMU, and judge the lines."""
import os
import re
import select
import signal
import subprocess
import sys
import time


def plan(path, prefix):
    """The `#define <prefix>NAME 0x...u` (or decimal) numbers of a test-plan header."""
    out = {}
    for m in re.finditer(r"^#define (%s\w+) (0x[0-9a-fA-F]+|[0-9]+)u" % prefix, open(path).read(),
                         re.M):
        out[m.group(1)] = int(m.group(2), 0)
    return out


def run(cmd, timeout_s, on_end=None):
    """Start QEMU (`cmd`, UART on stdout), echo and collect its lines until
    the END line or `timeout_s`; call on_end() (e.g. a monitor command) while
    QEMU still runs; then SIGTERM (a clean exit flushes file-backed flash) and
    wait. Returns (lines, end line or None, stderr text)."""
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    except FileNotFoundError:
        print("%s not found: install it (Debian package qemu-system-arm; scripts/deps "
              "installs what scripts/packages.txt lists)" % cmd[0], file=sys.stderr)
        sys.exit(2)
    lines, buf, end = [], b"", None
    deadline = time.monotonic() + timeout_s
    try:
        while end is None and time.monotonic() < deadline:
            r, _, _ = select.select([p.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                break
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                line = line.decode("ascii", "replace").rstrip("\r")
                lines.append(line)
                print("  fw| " + line, flush=True)
                if line.startswith("END "):
                    end = line
        if end is not None and on_end is not None:
            on_end()
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    err = p.stderr.read().decode(errors="replace")
    return lines, end, err


def judge(lines, end, err, timeout_s):
    """Problems with the firmware's report: FAIL lines, no END line, an END
    line that disagrees with the lines seen, no check at all."""
    fails = [l for l in lines if l.startswith("FAIL ")]
    oks = [l for l in lines if l.startswith("ok ")]
    problems = list(fails)
    if end is None:
        problems.append("no END line within %d s (firmware hung or QEMU failed: %s)"
                        % (timeout_s, err.strip()[-300:]))
    elif end != "END pass=%d fail=%d" % (len(oks), len(fails)):
        problems.append("END line %r disagrees with the %d ok / %d FAIL lines seen"
                        % (end, len(oks), len(fails)))
    elif not oks:
        problems.append("no check ran")
    return len(oks), problems
