"""xng/core/site.py (issue 12, item 5): which cookieDomain a host may use."""
import pytest

from xng.core.site import within


@pytest.mark.parametrize('host, domain', [
    ('shop.xng.test', 'xng.test'), ('shop.xng.test', 'shop.xng.test'), ('a.b.example.co.uk', 'example.co.uk'),
    ('xng.test', 'xng.test'),
])
def test_a_host_is_within_itself_and_its_parents(host, domain):
    assert within(host, domain) is True


@pytest.mark.parametrize('host, domain', [
    ('shop.xng.test', 'example.com'),        # another site
    ('shop.xng.test', 'test'),               # a bare top-level name
    ('shop.xng.test', 'g.test'),             # a suffix of a label, not a parent
    ('xng.test', 'shop.xng.test'),           # a child, not a parent
    ('shop.xng.test', 'xng.test\n'), ('shop.xng.test', 'xng.test; Max-Age=0'), ('shop.xng.test', 'xng.test;Path=/nowhere'),
    ('shop.xng.test', 'xng.test,x'), ('shop.xng.test', 'xng.test=1'), ('shop.xng.test', ' xng.test'),
    ('shop.xng.test', '.xng.test'), ('shop.xng.test', ''), ('shop.xng.test', None), ('shop.xng.test', 7),
])
def test_anything_else_is_refused(host, domain):
    assert not within(host, domain)
