"""tap.py DIR - run the unittest modules DIR/test_*.py and print TAP: one
"ok N - name" / "not ok N - name" line per test (a failing subtest gets its
own line), "# SKIP" for skipped tests, diagnostics as "# " lines, the plan
at the end.  Exit status 0 when nothing failed."""

import os
import sys
import traceback
import unittest


class TapResult(unittest.TestResult):
    def __init__(self, out=sys.stdout):
        super().__init__()
        self.out = out
        self.n = 0
        self.failed = 0

    def _name(self, test):
        doc = test.shortDescription()
        name = test.id().split(".", 1)[-1]
        return "%s (%s)" % (name, doc) if doc else name

    def _line(self, ok, test, directive="", err=None):
        self.n += 1
        if not ok:
            self.failed += 1
        line = "%s %d - %s" % ("ok" if ok else "not ok", self.n,
                               self._name(test).replace("#", "\\#"))
        if directive:
            line += " # " + directive
        print(line, file=self.out)
        if err is not None:
            text = "".join(traceback.format_exception(*err))
            for ln in text.rstrip().splitlines():
                print("# " + ln, file=self.out)
        self.out.flush()

    def addSuccess(self, test):
        super().addSuccess(test)
        self._line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._line(False, test, err=err)

    def addError(self, test, err):
        super().addError(test, err)
        self._line(False, test, err=err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line(True, test, "SKIP " + reason.replace("\n", " "))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._line(True, test, "TODO expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._line(False, test, "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._line(False, subtest, err=err)


def main(argv):
    here = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
    result = TapResult()
    try:
        suite.run(result)
    except KeyboardInterrupt:
        print("Bail out! interrupted")
        return 1
    print("1..%d" % result.n)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
