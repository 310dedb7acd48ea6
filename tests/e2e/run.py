#!/usr/bin/env python3
"""Runs the end-to-end suite against the real casesd binary.

    python3 tests/e2e/run.py            every tests/e2e/test_*.py
    python3 tests/e2e/run.py wire       only test_*wire*.py
    python3 tests/e2e/run.py test_x.py  an explicit file pattern

The last line printed is always "e2e: N passed, N failed"; errors, expected
failures and unexpected successes count as failed, skips are not counted.
Exit status is 1 when anything failed.
"""

import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class CountingResult(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed = 0

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1


def main(argv):
    pattern = "test_*.py"
    if len(argv) > 1:
        arg = argv[1]
        if arg.endswith(".py") or "*" in arg:
            pattern = arg
        else:
            pattern = "test_*%s*.py" % arg
    sys.path.insert(0, HERE)
    failed = passed = 0
    try:
        suite = unittest.defaultTestLoader.discover(HERE, pattern=pattern, top_level_dir=HERE)
        runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult,
                                         stream=sys.stdout)
        start = time.monotonic()
        result = runner.run(suite)
        passed = result.passed
        failed = (len(result.failures) + len(result.errors) + len(result.expectedFailures)
                  + len(result.unexpectedSuccesses))
        if result.testsRun == 0 and failed == 0:
            print("no tests matched %r" % pattern)
            failed = 1
        print("elapsed %.1fs" % (time.monotonic() - start))
    except Exception as e:  # a broken test module must still end with the summary line
        print("e2e runner error: %r" % (e,))
        failed = max(failed, 1)
    sys.stdout.flush()
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
