"""`make run` and `make test` read `.env` as the settings do: a variable there chooses the
servers and the case record as one exported would, and the environment still wins."""

from tooling.embedded import embedded_services
from tooling.launcher import case_record_children, project_environ


def test_dotenv_counts_where_the_environment_is_silent(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# the server's settings\n"
        "DATABASE_URL=postgres://app@db.internal:5432/partnership\n"
        "REDIS_URL='redis://cache.internal:6379/0'\n"
        "CASE_RECORD_SOURCE=none\n"
        'SECRET_KEY="from the file"\n'
    )

    env = project_environ(env_file, {"SECRET_KEY": "exported", "PATH": "/usr/bin"})

    assert env["DATABASE_URL"] == "postgres://app@db.internal:5432/partnership"
    assert env["REDIS_URL"] == "redis://cache.internal:6379/0"
    assert env["SECRET_KEY"] == "exported"
    assert env["PATH"] == "/usr/bin"
    # What the launcher does with them: no embedded servers and no stand-in case record.
    services = embedded_services(tmp_path / "var", env)
    assert services.started == [] and services.environ == {}
    assert case_record_children(env) == []


def test_no_dotenv_is_the_environment_alone(tmp_path):
    environ = {"PATH": "/usr/bin"}
    assert project_environ(tmp_path / ".env", environ) == environ
