"""Tests of the quality check (a package: `test_report` is also a name in tests/cli)."""
