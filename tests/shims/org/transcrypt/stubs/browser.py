"""CPython stand-in for Transcrypt's browser stub: lets xng's modules import under pytest.

Transcrypt drops `from org.transcrypt.stubs.browser import __pragma__` when compiling; under
CPython the pragmas are no-ops, and `__pragma__('skip')` blocks hold the CPython versions.
"""


def __pragma__(*args):
    return None
