"""Simultaneous requests against a real database (the ``own_app`` fixture): each on its
own thread, test client, session and connection, released together by a barrier."""
import threading

from tests.factories import PASSWORD


def signed_in_client(app, email: str | None):
    client = app.test_client()
    if email is not None:
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
    return client


def post_together(app, posts: list[tuple[str | None, str, dict]]) -> list[int]:
    """POST every (e-mail of the signed-in user or None, path, form) at once; returns the
    status codes, in order. An exception in a request fails the caller's assertion as a
    500 (TESTING propagates exceptions; they are caught here)."""
    clients = [signed_in_client(app, email) for email, _, _ in posts]
    start = threading.Barrier(len(posts))
    statuses: list[int] = [0] * len(posts)

    def request(index: int) -> None:
        _, path, data = posts[index]
        start.wait(timeout=60)
        try:
            statuses[index] = clients[index].post(path, data=data).status_code
        except Exception:  # noqa: BLE001 - an unhandled error is what a user sees as a 500
            statuses[index] = 500

    threads = [threading.Thread(target=request, args=(i,)) for i in range(len(posts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses
