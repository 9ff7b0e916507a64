"""Issue 12, item 7: a 503 storm with `Retry-After: 0` makes no more attempts than the same storm without it.

The page runs on Playwright's fake clock, advanced a second at a time; after each second the test
waits until every request the page started has been answered, so the count is deterministic.
"""
import pytest

from support import page_html, serve

PAGE = '/t/storm.html'
COUNT_REQUESTS = """
    Math.random = () => 0.5;  // the backoff's jitter, fixed: both storms follow one schedule
    window.__net = {started: 0, settled: 0};
    const originalFetch = window.fetch;
    window.fetch = function (url) {
        const answer = originalFetch.apply(this, arguments);
        if (String(url).includes('/api/batch')) {
            __net.started++;
            answer.then(() => __net.settled++, () => __net.settled++);
        }
        return answer;
    };
"""
SECONDS = 60


def storm(context, page, base_url, retry_after):
    attempts = []
    headers = {} if retry_after is None else {'Retry-After': retry_after}
    context.route('**/api/batch', lambda route: attempts.append(route.request) or route.fulfill(
        status=503, content_type='application/json', body='{}', headers=headers))
    context.add_init_script(COUNT_REQUESTS)
    page.clock.install()
    serve(context, base_url + PAGE, page_html())
    page.goto(base_url + PAGE)
    page.wait_for_function('() => window.xng && window.xng.loaded === true')
    page.evaluate("xng.init({endpoint: '/api/batch', pollInterval: 0}); xng.track('Storm'); xng.flush()")
    for second in range(SECONDS):
        page.clock.run_for(1000)
        page.wait_for_function('() => __net.started === __net.settled')
    return len(attempts)


@pytest.mark.parametrize('retry_after', [None, '0'])
def test_a_503_storm_follows_the_backoff_schedule(context, page, base_url, retry_after):
    # The first attempt, then waits of 0.75, 1.5, 3, 6, 12, 24 s (the middle of each jitter range) within 60 s.
    assert storm(context, page, base_url, retry_after) == 7
