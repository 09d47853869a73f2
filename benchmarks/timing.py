"""What the benchmark scripts measure with: a median time and a query count. Import it after django.setup()."""

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def median_ms(function, runs):
    """The median wall-clock time of `runs` calls of `function`, in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def queries_and_median_ms(function, runs):
    """How many queries one call of `function` makes, and the median time of `runs` more calls."""
    with CaptureQueriesContext(connection) as queries:
        function()
    # Counted now: later calls reset the connection's query log that `queries` reads from.
    count = len(queries)
    return count, median_ms(function, runs)


def page(client, url):
    """A function that requests `url` and checks that it answers 200."""

    def get():
        assert client.get(url).status_code == 200

    return get
