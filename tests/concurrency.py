"""Simultaneous units of work against a real database (the ``own_app`` fixture): each on
its own thread, session and connection (and for requests its own test client), released
together by a barrier."""
import threading

from marketplace.extensions import db

from tests.factories import PASSWORD


def signed_in_client(app, email: str | None):
    client = app.test_client()
    if email is not None:
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
    return client


def _at_once(count: int, call) -> list:
    """``call(i)`` for i in range(count), each on its own thread, released together;
    returns what each returned, in order."""
    start = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        start.wait(timeout=60)
        results[index] = call(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def post_together(app, posts: list[tuple[str | None, str, dict]]) -> list[int]:
    """POST every (e-mail of the signed-in user or None, path, form) at once; returns the
    status codes, in order. An exception in a request fails the caller's assertion as a
    500 (TESTING propagates exceptions; they are caught here)."""
    clients = [signed_in_client(app, email) for email, _, _ in posts]

    def request(index: int) -> int:
        _, path, data = posts[index]
        try:
            return clients[index].post(path, data=data).status_code
        except Exception:  # noqa: BLE001 - an unhandled error is what a user sees as a 500
            return 500

    return _at_once(len(posts), request)


def run_together(app, work, arguments: list) -> list:
    """Call ``work(argument)`` for every argument at once, each in its own app context and
    transaction (committed after it returns, rolled back if it raises). Returns, in order,
    what each returned or the exception it raised."""
    def unit_of_work(index: int):
        with app.app_context():
            try:
                result = work(arguments[index])
                db.session.commit()
                return result
            except Exception as error:  # noqa: BLE001 - the caller judges what happened
                db.session.rollback()
                return error
            finally:
                db.session.remove()

    return _at_once(len(arguments), unit_of_work)
