"""Every audit action the code can write has plain words on the admin activity page."""

import re
from pathlib import Path

import nqsw_visits
from nqsw_visits.people.audit_labels import AUDIT_LABELS, audit_label

PACKAGE = Path(nqsw_visits.__file__).parent
LITERAL = re.compile(r"audit\.record\(\s*\"([a-z_.]+)\"")
# An action built from a prefix and the `action` argument of the function it sits in.
BUILT = re.compile(r"audit\.record\(\s*f\"([a-z_]+)\.\{action\}\"")
DEF = re.compile(r"^def (\w+)\(", re.MULTILINE)


def _callers_actions(source: str, function: str) -> set[str]:
    """The action each call of `function` passes: its first string argument."""
    found = set()
    for call in re.finditer(rf"(?<!def ){function}\(", source):
        first = re.search(r"\"([a-z_]+)\"", source[call.end() : call.end() + 200])
        assert first, f"a call of {function} passes no action a test can read"
        found.add(first.group(1))
    return found


def actions_the_code_can_write() -> set[str]:
    actions = set()
    for path in PACKAGE.rglob("*.py"):
        source = path.read_text()
        actions |= set(LITERAL.findall(source))
        for built in BUILT.finditer(source):
            function = DEF.findall(source[: built.start()])[-1]
            callers = _callers_actions(source, function)
            assert callers, f"{path.name}: no call of {function} found"
            actions |= {f"{built.group(1)}.{action}" for action in callers}
        unknown = source.count("audit.record(") - len(
            re.findall(r"audit\.record\(\s*f?\"[a-z_.{}]+\"", source)
        )
        assert unknown == 0, f"{path.name} writes an action this test cannot read"
    return actions


def test_every_action_the_code_can_write_has_a_label():
    actions = actions_the_code_can_write()
    assert {"signin.failed", "request.accepted", "observation.saved"} <= actions
    assert len(actions) > 40
    missing = sorted(action for action in actions if action not in AUDIT_LABELS)
    assert missing == []


def test_labels_are_plain_words():
    for action, label in AUDIT_LABELS.items():
        assert label and label[0].isupper() and "." not in label and "_" not in label, action
    assert audit_label("request.accepted") == AUDIT_LABELS["request.accepted"]
    assert audit_label("something.new") == "something.new"
