#!/usr/bin/env python3
"""Runs every command of README.md (and of docs/language.md and the examples' READMEs).

Commands are the lines of ```sh blocks (a trailing backslash continues a line; `a && b`
runs a, then b), run with sh in WORK, a folder that looks like the source tree (its
entries linked) whose build/ is the tested build tree. A ```text block right after an
sh block (prose between is fine) is that block's output: its lines must appear in that
order ("..." skips); other listings are plain ``` blocks.
A ```sd block is a complete model: `build/symdiff gen` must accept it.
A ```cpp block with a main() is compiled (C++17, -Wall -Wextra -Wpedantic -Werror, with
build/ on the include path) and run; a ```text block after it is its output too.
The commands that build the tree (tests/install-deps.sh, the configure and the build of
build/, tests/run-all.sh) are what CI runs before this test, through .ci/run and
tests/run-all.sh: they are not rerun here; instead the test checks that README.md still
has them and run-all.sh still runs them. The same command in two READMEs runs once.

usage: readme_commands.py SOURCE_DIR BUILD_DIR WORK_DIR CXX
"""
import os
import re
import shutil
import subprocess
import sys

READMES = ["README.md", "docs/language.md", "examples/train_mlp/README.md",
           "examples/cpp_api/README.md"]
# What CI runs itself (the README's own two commands set the tree up): command -> the
# file of the CI chain that must still run it, verbatim.
BOOTSTRAP = {
    "tests/install-deps.sh": "tests/run-all.sh",
    "cmake -S . -B build -G Ninja": "tests/run-all.sh",
    "cmake --build build": "tests/run-all.sh",
    "tests/run-all.sh": ".ci/run",
}


def blocks(text):
    """(language, lines) of each fenced block, in order."""
    out, lang, lines = [], None, []
    for line in text.splitlines():
        m = re.match(r"^```(\w*)\s*$", line)
        if m and lang is None:
            lang, lines = m.group(1), []
        elif line.strip() == "```" and lang is not None:
            out.append((lang, lines))
            lang = None
        elif lang is not None:
            lines.append(line)
    if lang is not None:
        sys.exit("unclosed ``` block")
    return out


def commands(lines):
    """The commands of an sh block: continuation lines joined, comments dropped."""
    joined, current = [], ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        current += line
        if current.strip() and not current.lstrip().startswith("#"):
            joined.append(current.strip())
        current = ""
    return joined


def split_and(command):
    """`a && b && c` -> [a, b, c], outside quotes."""
    parts, current, quote, i = [], "", None, 0
    while i < len(command):
        c = command[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif command.startswith("&&", i):
            parts.append(current.strip())
            current, i = "", i + 2
            continue
        current += c
        i += 1
    parts.append(current.strip())
    return parts


def expect(output, expected, what):
    """Each line of `expected` (but "...") appears in `output`, in order."""
    got = [line.rstrip() for line in output.splitlines()]
    at = 0
    for want in expected:
        want = want.rstrip()
        if want.strip() == "..." or not want:
            continue
        try:
            at = got.index(want, at) + 1
        except ValueError:
            sys.exit(f"FAIL: {what}: expected the line\n  {want}\nin its output (in order):\n{output}")


def main():
    source, build, work, cxx = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    for entry in os.listdir(source):
        if entry.startswith("build") or entry in (".git", "install"):
            continue
        os.symlink(os.path.join(source, entry), os.path.join(work, entry))
    os.symlink(os.path.abspath(build), os.path.join(work, "build"))

    bootstrap_seen, done, ran = set(), {}, 0
    for readme in READMES:
        with open(os.path.join(source, readme), encoding="utf-8") as f:
            found = blocks(f.read())
        for k, (lang, lines) in enumerate(found):
            expected = found[k + 1][1] if k + 1 < len(found) and found[k + 1][0] == "text" else None
            output = ""
            if lang == "sh":
                for command in commands(lines):
                    for part in split_and(command):
                        if part in BOOTSTRAP:
                            bootstrap_seen.add(part)
                            continue
                        if part not in done:
                            print(f"$ {part}", flush=True)
                            r = subprocess.run(["sh", "-c", part], cwd=work, text=True,
                                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                            if r.returncode != 0:
                                sys.exit(f"FAIL: {readme}: '{part}' exited {r.returncode}:\n{r.stdout}")
                            done[part] = r.stdout
                            ran += 1
                        output += done[part]
                if expected is not None:
                    expect(output, expected, f"{readme}: the sh block before its ```text block")
            elif lang == "sd":
                model = os.path.join(work, f"doc_model_{ran}.sd")
                with open(model, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
                r = subprocess.run([os.path.join(work, "build", "symdiff"), "gen", model, "-o",
                                    model[:-3] + ".hpp"], text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
                if r.returncode != 0:
                    sys.exit(f"FAIL: {readme}: a ```sd model is refused:\n" + "\n".join(lines)
                             + f"\n{r.stdout}")
                ran += 1
            elif lang == "cpp" and any("int main" in line for line in lines):
                program = os.path.join(work, f"readme_{ran}.cpp")
                with open(program, "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
                exe = program[:-4]
                compile_cmd = [cxx, "-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
                               "-I", os.path.join(work, "build"), program, "-o", exe]
                print("$ " + " ".join(compile_cmd), flush=True)
                r = subprocess.run(compile_cmd, text=True, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT)
                if r.returncode != 0:
                    sys.exit(f"FAIL: {readme}: a ```cpp block does not compile:\n{r.stdout}")
                r = subprocess.run([exe], text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                if r.returncode != 0:
                    sys.exit(f"FAIL: {readme}: a ```cpp block's program exited {r.returncode}:\n{r.stdout}")
                ran += 1
                if expected is not None:
                    expect(r.stdout, expected, f"{readme}: the ```cpp block before its ```text block")

    missing = set(BOOTSTRAP) - bootstrap_seen
    if missing:
        sys.exit(f"FAIL: README.md no longer has the commands CI runs for it: {sorted(missing)}")
    for command, ci_file in BOOTSTRAP.items():
        with open(os.path.join(source, ci_file), encoding="utf-8") as f:
            if command not in f.read():
                sys.exit(f"FAIL: {ci_file} no longer runs '{command}', which README.md promises")
    print(f"{ran} commands, models and programs of the docs ran as documented; "
          f"{len(bootstrap_seen)} setup commands are what CI runs")


if __name__ == "__main__":
    main()
