"""The loader stub is compiled from xng/stub.py (issue 11 item 4): one source for the consent rules, no built-in
touched, within its size budget. The built file is checked when `make build` has made it (make test does)."""
import ast
import gzip
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SNIPPET = ROOT / 'build' / 'snippet.js'
BUDGET = 2048


def built():
    if not SNIPPET.exists():
        pytest.skip('build/snippet.js is missing: run `make build`')
    return SNIPPET.read_text()


def test_no_opt_out_rule_is_written_in_javascript_by_hand():
    hand_written = [p for p in (ROOT / 'xng').rglob('*.js') if '__target__' not in p.parts]
    assert hand_written == []


def test_the_stub_takes_its_rules_from_the_library_modules():
    tree = ast.parse((ROOT / 'xng' / 'stub.py').read_text())
    imported = {node.module + '.' + alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert {'xng.core.consent', 'xng.browser.optout', 'xng.browser.cookies'} <= imported
    # No cookie name, lifetime or signal is spelled in the stub itself.
    source = (ROOT / 'xng' / 'stub.py').read_text()
    assert 'xng.tracking-' not in source and '730' not in source and 'globalPrivacyControl' not in source


def test_the_stub_reads_the_ids_the_library_keeps():
    def constant(path, name):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == name for t in node.targets):
                return ast.literal_eval(node.value)
    stub = ROOT / 'xng' / 'stub.py'
    assert constant(stub, 'ANONYMOUS_ID_COOKIE') == constant(ROOT / 'xng' / 'tracker.py', 'ANONYMOUS_ID_COOKIE')
    assert constant(stub, 'USER_ID_KEY') == constant(ROOT / 'xng' / 'browser' / 'storage.py', 'USER_ID_KEY')


def test_the_built_stub_touches_no_built_in():
    code = built()
    assert not re.search(r'prototype', code)
    assert 'defineProperty' not in code


def test_the_built_stub_is_within_its_budget():
    built()
    assert len(gzip.compress(SNIPPET.read_bytes(), 9)) <= BUDGET


def test_the_built_stub_carries_the_core_cookie_names():
    from xng.core import consent
    code = built()
    assert consent.OPT_OUT_COOKIE in code and consent.OPT_IN_COOKIE in code
