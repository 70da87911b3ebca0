"""kerasgen.checks: the command-line int types (`int_at_least`)."""

import argparse

import pytest

from kerasgen.checks import int_at_least


def parse(minimum, text, capsys):
    parser = argparse.ArgumentParser(prog="kerasgen fit")
    parser.add_argument("--count", type=int_at_least(minimum))
    try:
        return parser.parse_args(["--count", text]).count
    except SystemExit:
        return capsys.readouterr().err.strip().splitlines()[-1]


def test_int_at_least_reads_ints_and_names_the_flag_value_and_expectation(capsys):
    assert parse(1, "3", capsys) == 3 and parse(0, "0", capsys) == 0 and parse(5, "5", capsys) == 5
    assert parse(1, "0", capsys) == "kerasgen fit: error: argument --count: must be a positive int, got 0"
    assert parse(0, "-1", capsys) == "kerasgen fit: error: argument --count: must be an int >= 0, got -1"
    assert parse(1, "2.5", capsys) == "kerasgen fit: error: argument --count: must be a positive int, got '2.5'"
    assert parse(5, "4", capsys) == "kerasgen fit: error: argument --count: must be an int >= 5, got 4"
    with pytest.raises(argparse.ArgumentTypeError):
        int_at_least(1)("x")
