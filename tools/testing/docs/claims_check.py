#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check that every test Documentation/aio_attr/claims.rst names exists.

    claims_check.py TOP

A name is ``FILE`` or ``FILE::CASE`` (FILE relative to TOP).  FILE must
exist; CASE must be, by the kind of FILE:

  *_test.c              a KUnit case:              KUNIT_CASE(CASE)
  tools/testing/guest/*.cpp  a guest program's case:  s.run("CASE"
  other *.cpp           a GoogleTest Suite.Case:   TEST(Suite, Case),
                        TEST_F(...) or TEST_P(...)
  anything else         the text CASE as a word (a guest script's result
                        id, a CMake variable or test name)

Prints one line per missing name and exits 1 if there is any; with no name
in the page at all that is an error too.
"""
import re
import sys
from pathlib import Path

NAME = re.compile(r"``([A-Za-z0-9_./-]+\.(?:c|cpp|sh|txt))(?:::([A-Za-z0-9_.$-]+))?``")


def case_pattern(path, case):
    """A regex that finds @case in the file @path."""
    q = re.escape(case)
    if path.endswith("_test.c"):
        return r"KUNIT_CASE[A-Z_]*\(\s*" + q + r"\s*[,)]"
    if path.startswith("tools/testing/guest/") and path.endswith(".cpp"):
        return r'\.run\(\s*"' + q + '"'
    if path.endswith(".cpp") and "." in case:
        suite, test = case.split(".", 1)
        return (r"TEST(?:_F|_P)?\(\s*" + re.escape(suite) + r"\s*,\s*" + re.escape(test) +
                r"\s*\)")
    return r"(?<![A-Za-z0-9_.])" + q + r"(?![A-Za-z0-9_])"


def main():
    top = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    page = top / "Documentation/aio_attr/claims.rst"
    names = NAME.findall(page.read_text())
    if not names:
        print(f"{page}: names no test", file=sys.stderr)
        return 1
    missing = 0
    texts = {}
    for path, case in names:
        f = top / path
        if not f.is_file():
            print(f"{page}: {path}: no such file")
            missing += 1
            continue
        if not case:
            continue
        text = texts.setdefault(path, f.read_text(errors="replace"))
        if not re.search(case_pattern(path, case), text):
            print(f"{page}: {path}: no test {case}")
            missing += 1
    print(f"{len(names)} names, {missing} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
