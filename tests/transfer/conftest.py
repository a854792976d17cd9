"""`flask lists …` as the tests run it."""
import pytest


@pytest.fixture
def runner(app):
    """Invoke ``flask lists <args>`` through the app's CLI runner."""
    cli = app.test_cli_runner()

    def invoke(*args):
        return cli.invoke(args=["lists", *[str(a) for a in args]])
    return invoke
