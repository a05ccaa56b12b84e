import threading


def run_at_once(*calls):
    """Run each call in its own thread (and database connection), all released together; return
    the exceptions they raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        from django.db import connection

        try:
            barrier.wait()
            call()
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
