"""xng/core/consent.py: the opt-out cookie, parsed from document.cookie, written, renewed and read at every call."""
import pytest

from xng.core import consent
from xng.core.consent import (DAY_MS, LIFETIME_MS, OPT_IN_COOKIE, OPT_OUT_COOKIE, clear_choice, cookie_value,
                              needs_renewal_today, parse_value, refresh, status, write_choice)

NOW = 1767225600000  # 2026-01-01T00:00:00Z in ms
NAME = 'xng.tracking-opt-out'
NOON = NOW + DAY_MS // 2 + 12345  # a time of day that must not reach the cookie's value


def is_opted_out(jar, signal, by_default=False):
    return consent.is_opted_out(jar, signal, by_default)


def write_opt_out(jar, opted_out, now):
    write_choice(jar, opted_out, now, False)


def refresh_opt_out(jar, now):
    return refresh(jar, NAME, now, False)


def raw_jar(raw):
    """A jar reading a document.cookie string through cookie_value, as xng/browser/cookies.py does."""
    state = {'raw': raw}
    return {'read': lambda name: cookie_value(state['raw'], name), 'state': state}


def test_the_cookie_name_is_fixed_by_the_contract():
    assert OPT_OUT_COOKIE == NAME
    assert LIFETIME_MS == 730 * 86400000


# --- cookie_value: parsing a document.cookie string ----------------------------------------------

@pytest.mark.parametrize('raw, expected', [
    (NAME + '=1700000000000', '1700000000000'),
    ('a=1; ' + NAME + '=123; b=2', '123'),
    ('a=1;' + NAME + '=123;b=2', '123'),               # no space after ';'
    ('a=1;   ' + NAME + '  =  v w  ; b=2', 'v w'),     # spaces around name and value
    (NAME + '=', ''),                                   # present with an empty value
    ('a=1; ' + NAME + '=; b=2', ''),
    ('a=1; ' + NAME, ''),                               # present without '=' at all
    (NAME + '; a=1', ''),
    (NAME + '=a=b', 'a=b'),                             # '=' inside the value belongs to the value
    ('a=' + NAME + '; b=2', None),                      # the name as another cookie's value
    ('xx' + NAME + '=1', None),
    ('x' + NAME + '=1; ' + NAME + '-x=2', None),        # similar names do not match
    (NAME + '-x=1', None),
    (NAME + 'x', None),
    ('xng.tracking=1; tracking-opt-out=1', None),
    ('a=1; b=2', None),
    ('', None),
    (None, None),
])
def test_cookie_value_parses_document_cookie(raw, expected):
    assert cookie_value(raw, NAME) == expected


def test_cookie_value_finds_the_exact_name_among_similar_ones():
    raw = 'x' + NAME + '=wrong; ' + NAME + '-x=wrong; ' + NAME + '=right'
    assert cookie_value(raw, NAME) == 'right'


# --- presence is the opt-out -----------------------------------------------------------------

@pytest.mark.parametrize('value', ['1700000000000', '1', 'true', 'false', '0', 'no', '', None])
def test_presence_means_opted_out_whatever_the_value(value):
    raw = 'a=1; ' + NAME + ('' if value is None else '=' + value)  # None: written without '='
    assert is_opted_out(raw_jar(raw), False) is True


@pytest.mark.parametrize('raw', ['', None, 'a=1', 'x' + NAME + '=1', NAME + '-x=1', 'a=' + NAME])
def test_absent_cookie_means_opted_in(raw):
    assert is_opted_out(raw_jar(raw), False) is False


def test_the_cookie_is_read_at_every_call_never_cached():
    jar = raw_jar('a=1')
    assert is_opted_out(jar, False) is False
    jar['state']['raw'] = 'a=1; ' + NAME + '=1'  # another tab, page code or a server response
    assert is_opted_out(jar, False) is True
    jar['state']['raw'] = 'a=1'                  # cookies cleared: opted in again
    assert is_opted_out(jar, False) is False


def test_a_privacy_signal_opts_out_without_a_cookie(jar):
    assert is_opted_out(jar, True) is True
    assert is_opted_out(jar, False) is False
    assert jar['log'] == []  # answering never writes


def test_the_cookie_opts_out_even_without_a_signal(new_jar):
    assert is_opted_out(new_jar({NAME: 'anything'}), False) is True


# --- writing and deleting -----------------------------------------------------------------------

def test_write_opt_out_asks_730_days_with_the_creation_time_as_value(jar):
    write_opt_out(jar, True, NOW)
    assert jar['log'] == [('write', NAME, str(NOW), 730 * DAY_MS)]
    assert is_opted_out(jar, False) is True


def test_write_opt_out_false_deletes_the_cookie(new_jar):
    jar = new_jar({NAME: str(NOW)})
    write_opt_out(jar, False, NOW)
    assert jar['log'] == [('remove', NAME)]
    assert is_opted_out(jar, False) is False


# --- refresh: keeping the 2-year promise across browser caps ---------------------------------

def test_refresh_rewrites_an_sdk_cookie_with_the_lifetime_left(new_jar):
    created = NOW - 100 * DAY_MS
    jar = new_jar({NAME: str(created)})
    left = refresh_opt_out(jar, NOW)
    assert left == 630 * DAY_MS
    assert jar['log'] == [('write', NAME, str(created), 630 * DAY_MS)]  # the creation time is kept


def test_refresh_of_a_cookie_written_just_now_asks_the_full_lifetime(jar):
    write_opt_out(jar, True, NOW)
    refresh_opt_out(jar, NOW + 1000)
    assert jar['log'][-1] == ('write', NAME, str(NOW), LIFETIME_MS - 1000)


def test_the_value_is_the_creation_day_not_the_exact_time(jar):
    write_opt_out(jar, True, NOON)
    assert jar['log'] == [('write', NAME, str(NOW), LIFETIME_MS)]


def test_refresh_floors_an_old_exact_value_and_keeps_its_lifetime(new_jar):
    created = NOON - 100 * DAY_MS  # written by an older SDK, to the ms: an identifier
    jar = new_jar({NAME: str(created)})
    assert refresh_opt_out(jar, NOW) == created + LIFETIME_MS - NOW
    assert jar['log'] == [('write', NAME, str(created - created % DAY_MS), created + LIFETIME_MS - NOW)]


def test_refresh_renewed_today_puts_todays_day_in_the_value(new_jar):
    """serverOptOut's fallback when the server cannot be reached: no second request today."""
    jar = new_jar({NAME: '%d.%d' % (NOW - 5 * DAY_MS, NOW - DAY_MS)})
    assert refresh(jar, NAME, NOON, True) == LIFETIME_MS - 5 * DAY_MS - (NOON - NOW)
    assert jar['log'] == [('write', NAME, '%d.%d' % (NOW - 5 * DAY_MS, NOW), LIFETIME_MS - 5 * DAY_MS - (NOON - NOW))]
    assert needs_renewal_today(jar['cookies'][NAME], NOON) is False


def test_refresh_keeps_the_renewal_day(new_jar):
    jar = new_jar({NAME: '%d.%d' % (NOW - 5 * DAY_MS, NOW - DAY_MS)})
    assert refresh_opt_out(jar, NOW) == LIFETIME_MS - 5 * DAY_MS
    assert jar['log'] == [('write', NAME, '%d.%d' % (NOW - 5 * DAY_MS, NOW - DAY_MS), LIFETIME_MS - 5 * DAY_MS)]


@pytest.mark.parametrize('value, expected', [
    ('1767225600000', {'created': 1767225600000, 'renewed': None}),
    ('1767268845678', {'created': 1767268845678, 'renewed': None}),      # old, exact: still the SDK's
    ('1767225600000.1767312000000', {'created': 1767225600000, 'renewed': 1767312000000}),
    ('1767225600000.', None), ('1767225600000.x', None), ('1.2.3', None), ('1767225600000.1.2', None),
    ('1500000000000-cmp', None), (' 1767225600000', None), ('1.7e12', None), ('-1767225600000', None),
    ('99999999999999999999', None), ('', None), (None, None), ('١٧٦٧٢٢٥٦٠٠٠٠٠', None),
])
def test_parse_value_knows_only_what_the_sdk_writes(value, expected):
    assert parse_value(value) == expected


def test_a_renewal_is_needed_once_a_day():
    assert needs_renewal_today(str(NOW), NOON) is True
    assert needs_renewal_today('%d.%d' % (NOW - DAY_MS, NOW - DAY_MS), NOON) is True
    assert needs_renewal_today('%d.%d' % (NOW - DAY_MS, NOW), NOON) is False
    assert needs_renewal_today('1', NOON) is False  # not the SDK's: never renewed


# --- consent states (optOutByDefault) -------------------------------------------------------------

@pytest.mark.parametrize('cookies, signal, by_default, expected', [
    ({}, False, False, 'granted'),
    ({}, False, True, 'pending'),
    ({OPT_IN_COOKIE: '1'}, False, True, 'granted'),
    ({NAME: '1'}, False, True, 'denied'),
    ({NAME: '1', OPT_IN_COOKIE: '1'}, False, True, 'denied'),   # the opt-out wins, whoever wrote them
    ({NAME: '1', OPT_IN_COOKIE: '1'}, False, False, 'denied'),
    ({OPT_IN_COOKIE: '1'}, True, True, 'denied'),               # a respected signal
    ({}, True, False, 'denied'),
])
def test_status(new_jar, cookies, signal, by_default, expected):
    jar = new_jar(cookies)
    assert status(jar, signal, by_default) == expected
    assert is_opted_out(jar, signal, by_default) is (expected != 'granted')
    assert jar['log'] == []


def test_opt_in_by_default_opted_out_writes_the_opt_in_cookie(new_jar):
    jar = new_jar({NAME: '1'})
    write_choice(jar, False, NOON, True)
    assert jar['log'] == [('remove', NAME), ('write', OPT_IN_COOKIE, str(NOW), LIFETIME_MS)]
    assert status(jar, False, True) == 'granted'


def test_opt_in_by_default_opted_in_writes_no_opt_in_cookie(new_jar):
    jar = new_jar({NAME: '1'})
    write_choice(jar, False, NOON, False)
    assert jar['log'] == [('remove', NAME)]


def test_opt_out_deletes_the_opt_in_cookie(new_jar):
    jar = new_jar({OPT_IN_COOKIE: str(NOW)})
    write_choice(jar, True, NOON, True)
    assert jar['log'] == [('write', NAME, str(NOW), LIFETIME_MS), ('remove', OPT_IN_COOKIE)]
    assert status(jar, False, True) == 'denied'


def test_clear_choice_deletes_both(new_jar):
    jar = new_jar({NAME: '1', OPT_IN_COOKIE: '1'})
    clear_choice(jar)
    assert jar['cookies'] == {}
    assert status(jar, False, True) == 'pending'
    assert status(jar, False, False) == 'granted'


def test_the_opt_in_cookie_is_renewed_like_the_opt_out(new_jar):
    jar = new_jar({OPT_IN_COOKIE: str(NOW - 10 * DAY_MS)})
    assert refresh(jar, OPT_IN_COOKIE, NOW, False) == LIFETIME_MS - 10 * DAY_MS


@pytest.mark.parametrize('age_days', [730, 731, 2000])
def test_refresh_deletes_a_cookie_past_two_years(new_jar, age_days):
    jar = new_jar({NAME: str(NOW - age_days * DAY_MS)})
    assert refresh_opt_out(jar, NOW) == 0
    assert jar['log'] == [('remove', NAME)]
    assert is_opted_out(jar, False) is False


def test_refresh_keeps_a_cookie_one_ms_short_of_two_years(new_jar):
    created = NOW - LIFETIME_MS + 1
    jar = new_jar({NAME: str(created)})
    assert refresh_opt_out(jar, NOW) == 1
    assert jar['log'] == [('write', NAME, str(created - created % DAY_MS), 1)]


@pytest.mark.parametrize('foreign', ['1', 'true', '', 'yes', '0', '-1', '1499999999999', '1.7e12',
                                     '01767225600000', '1767225600000abc'])
def test_refresh_leaves_a_cookie_the_sdk_did_not_write_untouched(new_jar, foreign):
    jar = new_jar({NAME: foreign})
    assert refresh_opt_out(jar, NOW) is None
    assert jar['log'] == []
    assert jar['cookies'] == {NAME: foreign}
    assert is_opted_out(jar, False) is True  # and it still opts out


def test_refresh_caps_a_future_creation_time_at_730_days(new_jar):
    created = NOW + 50 * DAY_MS  # a clock set wrong when the cookie was written
    jar = new_jar({NAME: str(created)})
    assert refresh_opt_out(jar, NOW) == LIFETIME_MS
    assert jar['log'] == [('write', NAME, str(created), LIFETIME_MS)]


def test_refresh_without_a_cookie_writes_nothing(jar):
    assert refresh_opt_out(jar, NOW) is None
    assert jar['log'] == []
    assert jar['cookies'] == {}
