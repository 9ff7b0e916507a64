"""When a failed send is tried again: which answers are worth a retry, and how long to wait."""
BACKOFF_BASE_MS = 1000
BACKOFF_CAP_MS = 60000
RETRY_AFTER_CAP_MS = 600000  # honour Retry-After, but never park events for more than 10 minutes


def is_retryable(status):
    """A network error or timeout (0), 408, 429 and 5xx are retried; any other answer is final."""
    return status == 0 or status == 408 or status == 429 or status >= 500


def retry_delay(failures, retry_after_s, random):
    """Exponential backoff with equal jitter, capped; a Retry-After may lengthen the wait, never shorten it.

    The larger of the two: `Retry-After: 0` under a 503 storm must not turn the retries into a hot loop.
    """
    ceiling = min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_CAP_MS)  # 1 s, 2 s, 4 s ... 60 s
    backoff = ceiling / 2 + random() * ceiling / 2
    if retry_after_s != None and retry_after_s * 1000 > backoff:  # noqa: E711
        return min(retry_after_s * 1000, RETRY_AFTER_CAP_MS)
    return backoff
