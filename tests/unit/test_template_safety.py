"""Autoescaping is never turned off: no `|safe`, no `Markup(`, no autoescape false, no
template that Flask would render without escaping, no template built from a string."""

import re
from pathlib import Path

import pytest

from nqsw_visits import create_app

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CODE = ROOT / "nqsw_visits"
# Each way of marking text as already-safe HTML, or of switching escaping off.
IN_TEMPLATES = {
    "|safe": re.compile(r"\|\s*safe\b"),
    "filter safe": re.compile(r"\{%-?\s*filter\s+safe\b"),
    "autoescape false": re.compile(r"autoescape\s+(false|False)\b"),
    "Markup(": re.compile(r"\bMarkup\s*\("),
}
IN_CODE = {
    "Markup(": re.compile(r"\bMarkup\s*\("),
    "Markup import": re.compile(r"\bimport\b[^\n]*\bMarkup\b|markupsafe\.Markup\b"),
    "autoescape off": re.compile(r"autoescape\s*=\s*False\b"),
    "render_template_string": re.compile(r"\brender_template_string\b"),
    "from_string": re.compile(r"\bfrom_string\s*\("),
}
# Explicit exceptions, each with its reason: none are needed today. An entry is
# (path relative to the repository, the name of the check above).
ALLOWED: set[tuple[str, str]] = set()


def problems(text: str, checks: dict[str, re.Pattern], where: str) -> list[str]:
    """Each check that matches, as 'path:line: check'."""
    found = []
    for name, pattern in checks.items():
        for match in pattern.finditer(text):
            if (where, name) not in ALLOWED:
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{where}:{line}: {name}")
    return found


def files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file())


def test_no_template_marks_text_safe_or_turns_escaping_off():
    found = []
    for path in files(TEMPLATES, "*"):
        relative = str(path.relative_to(ROOT))
        found += problems(path.read_text(encoding="utf-8"), IN_TEMPLATES, relative)
    assert len(files(TEMPLATES, "*.html")) >= 50
    assert found == []


def test_no_code_marks_text_safe_or_renders_a_template_from_a_string():
    found = []
    for path in files(CODE, "*.py"):
        relative = str(path.relative_to(ROOT))
        found += problems(path.read_text(encoding="utf-8"), IN_CODE, relative)
    assert found == []


def test_every_template_ends_html_so_flask_escapes_it(tmp_path):
    """Flask autoescapes only .html, .htm, .xml, .xhtml and .svg: a fragment named .txt or
    .j2 would print stored text raw."""
    others = [str(p.relative_to(ROOT)) for p in files(TEMPLATES, "*") if p.suffix != ".html"]
    assert others == []
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    names = app.jinja_env.list_templates()
    assert len(names) >= 50
    unescaped = [name for name in names if not app.select_jinja_autoescape(name)]
    # The form widgets' own templates come from govuk-frontend-jinja, and are .html too.
    assert unescaped == []


@pytest.mark.parametrize(
    ("text", "checks", "expected"),
    [
        ("<p>{{ note|safe }}</p>", IN_TEMPLATES, "|safe"),
        ("<p>{{ note | safe }}</p>", IN_TEMPLATES, "|safe"),
        ("{% filter safe %}{{ note }}{% endfilter %}", IN_TEMPLATES, "filter safe"),
        ("{% autoescape false %}{{ note }}{% endautoescape %}", IN_TEMPLATES, "autoescape false"),
        ("{{ Markup(note) }}", IN_TEMPLATES, "Markup("),
        ("return Markup(f'<b>{name}</b>')", IN_CODE, "Markup("),
        ("from markupsafe import Markup, escape", IN_CODE, "Markup import"),
        ("Environment(autoescape=False)", IN_CODE, "autoescape off"),
        ("from flask import render_template_string", IN_CODE, "render_template_string"),
        ("env.from_string(text)", IN_CODE, "from_string"),
    ],
)
def test_the_checks_catch_what_they_look_for(text, checks, expected):
    assert problems(text, checks, "example") == [f"example:1: {expected}"]


def test_the_checks_pass_plain_escaped_output():
    page = "<p>{{ note }}</p>{{ data|tojson }}{% autoescape true %}{% endautoescape %}"
    assert problems(page, IN_TEMPLATES, "example") == []
    code = "from markupsafe import escape\nreturn escape(name)\nsafe_next = url"
    assert problems(code, IN_CODE, "example") == []
