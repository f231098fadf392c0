#!/usr/bin/env python3
"""Counts test cases in a meson JUnit log: prints 'PASSED FAILED', failures on stderr.

Meson expands gtest executables into their individual cases; a plain (exit
code) test counts as one case.
"""
import sys
import xml.etree.ElementTree as ET

passed = failed = 0
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
            print(f"FAILED: {case.get('classname', '')} {case.get('name', '')}", file=sys.stderr)
        elif case.find("skipped") is not None:
            failed += 1  # a skipped test is not a pass here
            print(f"SKIPPED: {case.get('classname', '')} {case.get('name', '')}", file=sys.stderr)
        else:
            passed += 1
print(passed, failed)
