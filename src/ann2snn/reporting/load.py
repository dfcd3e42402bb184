"""Read report files back: an evaluation report, a list of them (``demo --json``) or a
comparison (``compare --json``). Each is checked against the schema of the reports
:mod:`ann2snn.report` writes before anything is drawn: an old, foreign or hostile file gets
one line saying what is wrong and where, and nothing is written."""

from __future__ import annotations

import json

from ann2snn.errors import Ann2SnnError
from ann2snn.files import check_input_file
from ann2snn.report import ReportError, check_report

#: the largest report file read, and the most reports drawn at once
MAX_FILE_BYTES, MAX_REPORTS = 256 * 2**20, 200


def _parse(path) -> object:
    try:
        return json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, huge integers
        raise Ann2SnnError(f"{path} is not a JSON report ({type(exc).__name__}: "
                           f"{str(exc).splitlines()[0][:120]})") from None
    except RecursionError:
        raise Ann2SnnError(f"{path} is not a report: its JSON is nested too deeply") from None


def _items(data, path) -> list:
    """The reports a file holds: one, a list of them, or a comparison's."""
    if isinstance(data, dict) and "reports" in data:
        data = data["reports"]
        if not isinstance(data, list):
            raise Ann2SnnError(f"{path}: reports must be a list of reports")
    items = data if isinstance(data, list) else [data]
    if not items:
        raise Ann2SnnError(f"{path} holds no report")
    return items


def read_reports(paths: list) -> list[dict]:
    """Every evaluation report in ``paths`` (reports, lists of reports, comparisons), each
    checked field by field."""
    reports = []
    for name in paths:
        path = check_input_file(name, "report file", max_bytes=MAX_FILE_BYTES)
        items = _items(_parse(path), path)
        if len(reports) + len(items) > MAX_REPORTS:
            raise Ann2SnnError(f"{path}: more than {MAX_REPORTS} reports to draw at once; split "
                               "them over several `ann2snn report` runs")
        for i, item in enumerate(items):
            try:
                report = check_report(item)
                if len(paths) > 1:  # merged: say which file each came from
                    report = {**report, "source": path.stem}
                reports.append(report)
            except ReportError as exc:
                raise Ann2SnnError(f"{path} (report {i + 1}) is not an ann2snn report: "
                                   f"{exc}") from None
    return reports
