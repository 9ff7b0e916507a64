"""The direction of the arrows: core/ never touches browser globals, and one module alone sends bytes.

Checked on the syntax tree, so a docstring that mentions `document.cookie` is fine while a call
is not; JavaScript inlined through `__pragma__('js', ...)` is checked as text.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
XNG = ROOT / 'xng'
CORE = sorted((XNG / 'core').glob('*.py'))
BROWSER_GLOBALS = {'window', 'document', 'navigator', 'localStorage', 'sessionStorage', 'fetch', 'location',
                   'XMLHttpRequest', 'sendBeacon'}
NETWORK = {'fetch', 'sendBeacon', 'XMLHttpRequest', 'WebSocket', 'EventSource'}


def sdk_sources():
    return sorted(path for path in XNG.rglob('*.py') if '__target__' not in path.parts)


def inline_js(tree):
    """The JavaScript strings passed to __pragma__('js', ...)."""
    found = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == '__pragma__'
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == 'js'):
            found += [arg.value for arg in node.args[1:] if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return found


def names_used(source, wanted):
    """Which of `wanted` the code names: as a variable, an attribute (x.fetch), or in inline JavaScript."""
    tree = ast.parse(source)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in wanted:
            found.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in wanted:
            found.add(node.attr)
    for code in inline_js(tree):
        found |= wanted & set(re.findall(r'[A-Za-z_$][\w$]*', code))
    return found


def code_of(path):
    """The module without its CPython-only `__pragma__('skip')` blocks: what the browser runs."""
    return re.sub(r"__pragma__\('skip'\).*?__pragma__\('noskip'\)", '', path.read_text(), flags=re.S)


def test_the_detector_finds_what_it_looks_for():
    """Guards the checks below against passing because they see nothing."""
    sample = ('"""Reads document.cookie."""\n'
              'def f():\n'
              "    x = window.localStorage\n"
              "    navigator.sendBeacon('/a', '')\n"
              "    return __pragma__('js', 'fetch (location.href)')\n")
    assert names_used(sample, BROWSER_GLOBALS) == {'window', 'localStorage', 'navigator', 'sendBeacon',
                                                    'fetch', 'location'}
    assert names_used('"""document.cookie, window and fetch in words only."""\nfetch_messages = 1\n',
                      BROWSER_GLOBALS) == set()


def test_there_is_a_core():
    assert {'consent.py', 'events.py', 'queue.py', 'values.py'} <= {path.name for path in CORE}


@pytest.mark.parametrize('path', CORE, ids=lambda path: path.name)
def test_core_never_names_browser_globals(path):
    assert names_used(code_of(path), BROWSER_GLOBALS) == set()


@pytest.mark.parametrize('path', CORE, ids=lambda path: path.name)
def test_core_imports_only_core(path):
    """browser/ depends on core/, never the other way (Transcrypt's pragma stub aside)."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    outside = {name for name in imported if not (name == 'xng.core' or name.startswith('xng.core.'))}
    assert outside <= {'org.transcrypt.stubs.browser', 'json', 'math', 're'}  # the last three in CPython-only blocks


def test_the_import_check_sees_imports():
    tree = ast.parse((XNG / 'core' / 'queue.py').read_text())
    assert any(isinstance(node, ast.ImportFrom) and node.module == 'xng.core.values' for node in ast.walk(tree))


def test_only_transport_sends_bytes_to_the_network():
    senders = {}
    for path in sdk_sources():
        used = names_used(code_of(path), NETWORK)
        if used:
            senders[str(path.relative_to(ROOT))] = used
    assert senders == {'xng/browser/transport.py': senders.get('xng/browser/transport.py')}
    assert {'fetch', 'sendBeacon'} <= senders['xng/browser/transport.py']
