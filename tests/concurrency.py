"""Running test code at the same moment on several real database connections."""

import threading

from django.db import connections


def run_together(functions):
    """Call each function in its own thread (its own connection), all released at once by a
    barrier; returns each result, or the exception it raised, in order."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as error:  # collected and asserted on by the caller
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
