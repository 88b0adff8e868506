#!/usr/bin/python3
"""docs/cli.md shows each command's --help; this keeps the page true.

usage: check_help_docs.py FOTAKIT DOCS_CLI_MD

Every fenced block of docs/cli.md whose first line is "usage: fotakit ..."
must equal, byte for byte, what `fotakit <command> [<subcommand>] --help`
prints (the command words are taken from the usage line, up to the first
option or placeholder). Exit 0 when all agree, 1 naming each block that does
not (with a unified diff), 2 on bad usage.
"""
import difflib
import re
import subprocess
import sys

if len(sys.argv) != 3:
    print(__doc__, file=sys.stderr)
    sys.exit(2)
FK, DOC = sys.argv[1], sys.argv[2]
text = open(DOC, encoding="utf-8").read()
lines = text.split("\n")
blocks = []  # (line number, block text)
i = 0
while i < len(lines):
    if lines[i].startswith("```"):
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = lines[i + 1:j]
        if body and body[0].startswith("usage: fotakit "):
            blocks.append((i + 2, "\n".join(body) + "\n"))
        i = j + 1
    else:
        i += 1

failures = []
for lineno, want in blocks:
    words = []
    for w in want.split("\n", 1)[0].split()[2:]:
        if not re.fullmatch(r"[a-z][a-z0-9-]*", w):
            break
        words.append(w)
    args = words[:2] if words and words[0] == "image" else words[:1]
    r = subprocess.run([FK, *args, "--help"], capture_output=True, text=True, timeout=30)
    got = r.stdout + r.stderr
    if r.returncode != 0:
        failures.append(f"docs/cli.md:{lineno}: `fotakit {' '.join(args)} --help` exited {r.returncode}")
    elif got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "docs/cli.md", f"fotakit {' '.join(args)} --help"))
        failures.append(f"docs/cli.md:{lineno}: differs from `fotakit {' '.join(args)} --help`; "
                        f"paste the program's text into the page:\n{diff}")

if not blocks:
    failures.append("docs/cli.md: no 'usage: fotakit' block found")
for f in failures:
    print(f, file=sys.stderr)
print(f"check_help_docs: {len(blocks)} blocks, {len(failures)} differ")
sys.exit(1 if failures else 0)
