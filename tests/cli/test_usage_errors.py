# SPDX-License-Identifier: Apache-2.0
"""Every command, every option, one bad value each: a usage error with exit 3, never a traceback.

The walk enumerates the commands from the CLI itself, so a new option fails this test until it is
given a bad value below (or is named as free text with the reason any value is valid). Commands
run in-process against a real SQLite database holding the demo cohort, so that the positional
arguments name things that exist and the bad option is what the command trips on.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from oncoboard.cli.main import app, run
from oncoboard.demo.loader import load_demo
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine
from oncoboard.store.migrate import upgrade

# Options whose values are names, ids, notes or paths to write: any text is a valid value; what
# it refers to is checked against the database (and answered "not found", exit 4) or created.
FREE_TEXT = {
    ("import", "--patient"): "a new patient id is created",
    ("import", "--tumor-sample"): "a sample name, checked against the file's columns",
    ("validate", "--patient"): "a new patient id is created",
    ("validate", "--tumor-sample"): "a sample name, checked against the file's columns",
    ("patients list", "--search"): "free search text",
    ("patients show", "--break-glass"): "a reason in words (its length is checked by the gate)",
    ("users create", "--name"): "a display name",
    ("users create", "--patient"): "a patient id, looked up (not found: exit 4)",
    ("users token create", "--name"): "a token label",
    ("audit export", "--patient"): "a patient id to filter on",
    ("audit export", "--actor"): "a user name to filter on",
    ("audit export", "--out"): "a file to write",
    ("consent grant", "--source"): "the reference of the signed form",
    ("consent withdraw", "--source"): "the reference of the signed form",
    ("report", "--kb"): "a release id, looked up (not found: exit 4)",
    ("report", "--out"): "a file to write",
    ("actionability screen", "--kb"): "a release id, looked up (not found: exit 4)",
    ("actionability screen", "--drug"): "a drug name matched against the KB",
    ("actionability screen", "--gene"): "a gene symbol matched against the KB",
    ("actionability screen", "--alteration"): "an alteration matched against the KB",
    ("alerts ack", "--note"): "a note",
    ("alerts escalate", "--note"): "a note",
    ("alerts resolve", "--note"): "a note",
    ("trials rank-pools", "--out"): "a run file to write",
    ("trials rank-pools", "--cache-dir"): "a folder to create",
    ("dose propose", "--indication"): "an indication id, checked against the drug's table",
    ("celltherapy open", "--product"): "a therapy / product name",
    ("celltherapy open", "--wristband"): "a wristband id, matched at each bedside scan",
    ("celltherapy step", "--scan"): "a scanned label, identified against the case "
    "(bad scans: tests/traceability/test_scan.py)",
    ("celltherapy step", "--location"): "where the hand-over happens",
    ("celltherapy step", "--operation"): "a manufacturing operation's name",
    ("celltherapy step", "--batch-lot"): "the manufacturer's lot",
    ("celltherapy step", "--note"): "a note",
    ("celltherapy ack", "--note"): "a note",
    ("celltherapy export", "--out"): "a file to write",
    ("celltherapy verify", "--coi"): "a case's CoI, looked up (not found: exit 4)",
    ("federation policy set", "--name"): "the site's name shown to researchers",
    ("federation query", "--site"): "a registered site's name, looked up (not found: exit 4)",
    ("federation train", "--out"): "a file to write",
    ("models card", "--out"): "a file to write",
    ("pgx import", "--patient"): "a new patient id is created",
}

# Bad values the type alone does not say (the rest are derived from the option's type below).
BAD_TEXT = {
    ("import", "--genome-build"): "hg99",
    ("validate", "--genome-build"): "hg99",
    ("import", "--tumor-type"): "NOT_A_CODE",
    ("validate", "--tumor-type"): "NOT_A_CODE",
    ("doctor", "--postgres-url"): "not a url",
    ("serve", "--host"): "bad host!",
    ("audit export", "--since"): "yesterday",
    ("audit export", "--until"): "2026-13-45",
    ("kb import", "--source"): "no-such-source",
    ("report", "--format"): "docx",
    ("actionability screen", "--tumor-type"): "NOT_A_CODE",
    ("alerts resolve", "--outcome"): "made-up-outcome",
    ("dose propose", "--drug"): "no-such-drug",
    ("dose propose", "--ae"): "no-such-event",
    ("dose propose", "--source"): "the-neighbour",
    ("celltherapy open", "--coi"): "NOT-A-COI",
    ("celltherapy open", "--fin"): "??",
    ("celltherapy open", "--limits"): "/no/such/limits.json",
    ("celltherapy export", "--format"): "docx",
    ("dose propose", "--grade"): "three",
    ("federation load-bff", "--genome-build"): "hg99",
    ("federation load-bff", "--part"): "4/3",
    ("federation policy set", "--beacon-id"): "not a beacon id",
    ("federation train", "--genes"): "b@d",
    ("federation train", "--site-db"): "not a url",
    ("models card", "--format"): "docx",
    ("models evaluate", "--data"): "/no/such/labelled.csv",
    ("models drift", "--data"): "/no/such/window.csv",
    ("models promote", "--reason"): "ok",
    ("pgx import", "--format"): "bam",
}

# (command) -> positional arguments that exist in the demo database or on disk.
ARGUMENTS = {
    "import": ["{maf}"],
    "validate": ["{maf}"],
    "patients show": ["demo-001"],
    "users create": ["new-user"],
    "users token create": ["oncologist"],
    "consent grant": ["demo-001", "research"],
    "consent withdraw": ["demo-001", "research"],
    "kb import": ["{maf}"],
    "report": ["demo-001"],
    "alerts ack": ["{alert}"],
    "alerts escalate": ["{alert}"],
    "alerts resolve": ["{alert}"],
    "trials rank-pools": ["{folder}"],
    "dose propose": ["demo-001"],
    "pgx import": ["{maf}"],
    "celltherapy open": ["demo-001"],
    "celltherapy step": ["W0000 26 000001 0", "apheresis"],
    "celltherapy export": ["W0000 26 000001 0"],
    "federation load-bff": ["{folder}"],
    "federation sites add": ["site-x", "https://x.example.org/api/beacon"],
    "models card": ["seer-breast-os-cox@1"],
    "models evaluate": ["seer-breast-os-cox@1"],
    "models drift": ["seer-breast-os-cox@1"],
    "models promote": ["seer-breast-os-cox@1"],
}
# Options a command needs before it reaches the one under test (valid values).
REQUIRED = {
    "users create": ["--name", "New User", "--role", "clinician"],
    "users token create": ["--name", "laptop"],
    "consent grant": ["--source", "form 1"],
    "consent withdraw": ["--source", "form 1"],
    "kb import": ["--source", "civic"],
    "alerts escalate": ["--note", "called, no answer"],
    "alerts resolve": ["--outcome", "resolved"],
    "trials rank-pools": ["--out", "{folder}/run.txt"],
    "dose propose": ["--drug", "capecitabine", "--ae", "diarrhoea", "--grade", "2"],
    "celltherapy open": ["--product", "tisagenlecleucel"],
    "celltherapy step": ["--scan", "=W0000260000010", "--location", "apheresis unit"],
    "celltherapy export": ["--out", "{folder}/record.json"],
    "celltherapy ack": ["--note", "called the courier"],
    "federation load-bff": ["--genome-build", "GRCh37"],
    "federation train": ["--genes", "FLT3,NPM1"],
}
# The demo account a command runs as, where site-admin may not (research use).
USERS = {
    "actionability screen": "researcher",
    "celltherapy open": "celltherapy",
    "federation query": "researcher",
    "federation train": "researcher",
}
# Typed positional arguments are walked too: (command, argument index) -> bad value.
BAD_ARGUMENTS = {
    ("users grant", 1): ["oncologist", "chief"],
    ("users revoke", 1): ["oncologist", "chief"],
    ("users token revoke", 1): ["oncologist", "first"],
    ("consent grant", 1): ["demo-001", "marketing"],
    ("consent withdraw", 1): ["demo-001", "marketing"],
    ("celltherapy ack", 0): ["first"],
    ("celltherapy step", 1): ["W0000 26 000001 0", "teleport"],
}


def _commands() -> Iterator[tuple[str, Any]]:
    root = typer.main.get_command(app)

    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        subs = getattr(command, "commands", None)
        if subs is None:
            yield " ".join(path), command
            return
        for name in sorted(subs):
            yield from walk(subs[name], [*path, name])

    yield from walk(root, [])


def command_params(command: str) -> list[str]:
    found = dict(_commands())[command]
    return [p.name for p in found.params if p.param_type_name == "argument"]


def _typed_bad_value(option: Any) -> str | None:
    annotation = str(option.get_runtime_param().annotation)
    for marker, value in (
        ("int", "three"),
        ("float", "much"),
        ("datetime", "next tuesday"),
        ("Role", "chief"),
        ("Purpose", "marketing"),
    ):
        if marker in annotation:
            return value
    return None


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, command in _commands():
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag:
                continue
            opt = max(param.opts, key=len)
            key = (name, opt)
            if key in FREE_TEXT:
                continue
            bad = BAD_TEXT.get(key) or _typed_bad_value(param)
            assert bad is not None, f"{name} {opt}: give it a bad value or name it free text"
            cases.append((name, opt, bad))
    return cases


CASES = _cases()
XFAIL_ELSEWHERE: dict[tuple[str, str], str] = {}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A SQLite database with the demo cohort, and the files the arguments name."""
    folder = tmp_path_factory.mktemp("cli-walk")
    url = f"sqlite:///{folder / 'walk.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(env="test", database_url=url, data_dir=folder)
    for _ in load_demo(engine=engine, settings=settings):
        pass
    from sqlalchemy import text

    with engine.connect() as connection:
        alert = connection.scalar(text("SELECT id FROM pro_alerts ORDER BY created_at LIMIT 1"))
    engine.dispose()
    maf = folder / "one.maf"
    maf.write_text(
        "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\t"
        "Tumor_Seq_Allele2\tTumor_Sample_Barcode\nBRAF\tGRCh38\t7\t140753336\tA\tT\tPT-W\n",
        encoding="utf-8",
    )
    return {"url": url, "maf": str(maf), "alert": str(alert), "folder": str(folder)}


def _invoke(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["oncoboard", *argv])
    with pytest.raises(SystemExit) as done:
        run()
    captured = capsys.readouterr()
    code = done.value.code
    return (code if isinstance(code, int) else 1), captured.err + captured.out


def _fill(values: list[str], db: dict[str, str]) -> list[str]:
    return [value.format(**db) for value in values]


@pytest.mark.parametrize(("command", "option", "bad"), CASES, ids=[f"{c}:{o}" for c, o, _ in CASES])
def test_bad_option_value_is_a_usage_error(
    command: str,
    option: str,
    bad: str,
    demo_db: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if (command, option) in XFAIL_ELSEWHERE:
        pytest.xfail(XFAIL_ELSEWHERE[(command, option)])
    required = [v for v in REQUIRED.get(command, []) if v != option]
    if option in REQUIRED.get(command, []):  # drop the option's own valid value too
        index = REQUIRED[command].index(option)
        required = REQUIRED[command][:index] + REQUIRED[command][index + 2 :]
    argv = [
        "--database-url",
        demo_db["url"],
        "--user",
        USERS.get(command, "site-admin"),
        *command.split(),
        *_fill(ARGUMENTS.get(command, []), demo_db),
        *_fill(required, demo_db),
        option,
        bad,
    ]
    code, output = _invoke(monkeypatch, capsys, argv)
    assert "Traceback" not in output, output
    assert code == 3, f"exit {code} for {' '.join(argv[4:])}:\n{output}"
    assert bad in output or option in output, f"the message names neither:\n{output}"
    assert any(w in output for w in ("Invalid value", "error:", "problem(s)")), output


@pytest.mark.parametrize(("command", "index"), sorted(BAD_ARGUMENTS))
def test_bad_typed_argument_is_a_usage_error(
    command: str,
    index: int,
    demo_db: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = BAD_ARGUMENTS[(command, index)]
    argv = ["--database-url", demo_db["url"], *command.split(), *args]
    argv += _fill(REQUIRED.get(command, []), demo_db)
    code, output = _invoke(monkeypatch, capsys, argv)
    assert "Traceback" not in output and code == 3, output
    name = command_params(command)[index]
    assert args[index] in output or f"'{name}'" in output, output


def test_every_option_is_walked_or_named_free_text() -> None:
    """The tables above stay in step with the CLI: no stale entry, nothing forgotten."""
    options = {
        (name, max(p.opts, key=len))
        for name, command in _commands()
        for p in command.params
        if p.param_type_name == "option" and not p.is_flag
    }
    assert set(FREE_TEXT) <= options, set(FREE_TEXT) - options
    assert set(BAD_TEXT) <= options, set(BAD_TEXT) - options
    assert len(CASES) + len(FREE_TEXT) == len(options)
