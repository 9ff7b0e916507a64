"""The consent rules as they ship (Transcrypt's output, run in Chromium) against their CPython twins.

The unit tests run xng/core under CPython, where values.py has its own twin of each JavaScript
primitive (to_int, split_text, trim...). A difference between the twins would make the unit tests
prove the wrong code, so the same calls on one list of cookie values must give the same answers
in both: values the SDK wrote, foreign ones, malformed, huge. Issue 9 asks for exactly this check.
"""
import json
from pathlib import Path

from xng.core import consent, values

from support import page_html, serve

STAGE = Path(__file__).resolve().parents[2] / 'build' / 'stage' / 'full'  # the compiled modules of xng.min.js
NOW_MS = 1764547200000 + 12345678  # 2025-12-01, a few hours in
DAY_MS = 86400000
TODAY = NOW_MS - NOW_MS % DAY_MS
VALUES = [
    # written by the SDK: floored days (new), exact times (old), with a renewal day, old and too old
    str(TODAY), str(TODAY - 500 * DAY_MS), str(TODAY - 730 * DAY_MS), str(TODAY - 731 * DAY_MS),
    str(NOW_MS - 100 * DAY_MS), str(TODAY - 10 * DAY_MS) + '.' + str(TODAY), str(TODAY - 10 * DAY_MS) + '.' + str(TODAY - DAY_MS),
    str(TODAY + 40 * DAY_MS), '1500000000000',
    # foreign: a consent manager's, a server's, page code's
    'yes', 'from-server', '1', '0', 'true', 'page-code', '{"optout":true}',
    # malformed
    '1500000000000-cmp', '1500000000000-c', '1764460800000x', '  1500000000000', '1500000000000 ', '1.5e12', '',
    '-1500000000000', '+1500000000000', '0x1F', '1e13', '1764460800000.', '.1764460800000', '1764460800000.x',
    '1764460800000.1764460800000.1764460800000', '01764460800000', '1764460800000.-1', '١٥٠٠٠٠٠٠٠٠٠٠٠', '²',
    # huge
    '9' * 15, '9' * 16, '99999999999999999999', '9007199254740993', '9' * 400, '1' * 13 + '.' + '9' * 400,
]
NAMES = [consent.OPT_OUT_COOKIE, consent.OPT_IN_COOKIE]

COMPILED = """async ([values, names, now]) => {
    const v = await import('/t/stage/xng.core.values.js');
    const c = await import('/t/stage/xng.core.consent.js');
    const jar = (cookies, log) => ({
        read: (name) => (name in cookies ? cookies[name] : null),
        write: (name, value, maxAge) => { cookies[name] = value; log.push(['write', name, value, maxAge]); },
        remove: (name) => { delete cookies[name]; log.push(['remove', name]); },
    });
    return values.map((value) => {
        const answers = {
            to_int: v.to_int(value), parse_value: c.parse_value(value), created_at: c.created_at(value),
            needs_renewal_today: c.needs_renewal_today(value, now),
            cookie_value: c.cookie_value('a=1; ' + names[0] + '=' + value + '; b=2', names[0]),
        };
        for (const name of names) {
            for (const today of [false, true]) {
                const log = [], cookies = {[name]: value};
                answers['refresh ' + name + ' ' + today] = [c.refresh(jar(cookies, log), name, now, today), log];
            }
        }
        const cookies = {[names[0]]: value};
        answers.status = [c.status(jar(cookies, []), false, false), c.status(jar(cookies, []), false, true)];
        return answers;
    });
}"""


def serve_stage(context):
    """/t/stage/NAME.js: the compiled module NAME from the build's stage (a missing one is a 404, not a hang)."""
    def fulfill(route):
        module = STAGE / route.request.url.rsplit('/', 1)[1]
        if module.is_file():
            route.fulfill(path=module, content_type='text/javascript')
        else:
            route.fulfill(status=404, body='no ' + module.name)
    assert (STAGE / 'xng.core.consent.js').is_file(), 'no compiled consent module in %s' % STAGE
    context.route('**/t/stage/*.js', fulfill)


def guarded(function, *args):
    """function(*args), or what it raised: the compiled code never raises on a string, so that is a difference too."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001
        return 'raised %s' % type(error).__name__


def cpython_answers(value):
    def jar(cookies, log):
        def write(name, item, max_age):
            cookies[name] = item
            log.append(['write', name, item, max_age])

        def remove(name):
            cookies.pop(name, None)
            log.append(['remove', name])
        return {'read': lambda name: cookies.get(name), 'write': write, 'remove': remove}

    answers = {
        'to_int': guarded(values.to_int, value), 'parse_value': guarded(consent.parse_value, value),
        'created_at': guarded(consent.created_at, value),
        'needs_renewal_today': guarded(consent.needs_renewal_today, value, NOW_MS),
        'cookie_value': guarded(consent.cookie_value, 'a=1; %s=%s; b=2' % (NAMES[0], value), NAMES[0]),
    }
    for name in NAMES:
        for today in [False, True]:
            log = []
            answers['refresh %s %s' % (name, 'true' if today else 'false')] = [
                guarded(consent.refresh, jar({name: value}, log), name, NOW_MS, today), log]
    cookies = {NAMES[0]: value}
    answers['status'] = [consent.status(jar(cookies, []), False, False), consent.status(jar(cookies, []), False, True)]
    return answers


def test_compiled_and_cpython_consent_rules_agree_on_every_value(context, page, base_url):
    serve_stage(context)
    serve(context, base_url + '/t/rules.html', page_html(stub=False, library=None))
    page.goto(base_url + '/t/rules.html')
    compiled = page.evaluate(COMPILED, [VALUES, NAMES, NOW_MS])
    differences = []
    for value, shipped in zip(VALUES, compiled):
        twin = json.loads(json.dumps(cpython_answers(value)))  # as JSON sees both: 1.0 == 1, None == null
        for key in twin:
            if shipped[key] != twin[key]:
                differences.append('%r %s: compiled %r, CPython %r' % (value, key, shipped[key], twin[key]))
    assert not differences, '\n'.join(differences)
    # The list means something: it holds SDK values that are renewed, deleted, and foreign ones left alone.
    outcomes = {json.dumps(answers['refresh ' + NAMES[0] + ' false'][1][:1]) for answers in compiled}
    assert any('write' in outcome for outcome in outcomes) and any('remove' in outcome for outcome in outcomes)
    assert '[]' in outcomes


def test_values_the_sdk_did_not_write_are_foreign_in_the_compiled_rules(context, page, base_url):
    """Page code's '1', a consent manager's '1500000000000-cmp', values a lenient parseInt would take for a
    creation time: none is the SDK's, so none is renewed or deleted as too old."""
    serve_stage(context)
    serve(context, base_url + '/t/rules.html', page_html(stub=False, library=None))
    page.goto(base_url + '/t/rules.html')
    foreign = ['1', '0', '42', 'yes', '1499999999999', '1500000000000-cmp', '1500000000000-c', '1764460800000x',
               ' 1764460800000', '1764460800000.5x', '-1764460800000']
    parsed = page.evaluate("""async (values) => {
        const c = await import('/t/stage/xng.core.consent.js');
        return values.map((value) => c.parse_value(value));
    }""", foreign)
    assert parsed == [None] * len(foreign)
