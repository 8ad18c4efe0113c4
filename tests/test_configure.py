"""Settings layers, typed environment values, and the keys generated on first start."""

import logging
import os
import re
import stat
from concurrent.futures import ThreadPoolExecutor

import pytest

from webapp import create_app
from webapp.configure import ConfigError, read_environment
from webapp.instance_keys import load_or_create


def test_environment_values_are_parsed_to_the_settings_type():
    values = read_environment({"GITOPS_ALLOW_HTTP_HOSTS": "yes",
                               "GITOPS_SQLITE_BUSY_TIMEOUT_MS": " 2500 ",
                               "GITOPS_LOG_LEVEL": "DEBUG", "PATH": "/bin"})

    assert values == {"ALLOW_HTTP_HOSTS": True, "SQLITE_BUSY_TIMEOUT_MS": 2500,
                      "LOG_LEVEL": "DEBUG"}


@pytest.mark.parametrize(("name", "raw", "message"), [
    ("GITOPS_ALLOW_HTTP_HOSTS", "maybe", "must be true or false"),
    ("GITOPS_SQLITE_BUSY_TIMEOUT_MS", "5s", "must be a whole number"),
])
def test_a_bad_environment_value_names_the_variable_and_the_fix(name, raw, message):
    with pytest.raises(ConfigError, match=f"{name} {message}"):
        read_environment({name: raw})


def test_an_unknown_gitops_variable_is_reported_and_ignored(caplog):
    with caplog.at_level(logging.WARNING):
        assert read_environment({"GITOPS_SECRETKEY": "typo"}) == {}
    assert "GITOPS_SECRETKEY" in caplog.text


def test_the_first_start_generates_private_key_files_and_says_so(tmp_path, caplog):
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    with caplog.at_level(logging.WARNING):
        app = create_app(config)

    for name in ("secret_key", "token_keys"):
        path = tmp_path / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert f"into {path}" in caplog.text
    assert app.config["SECRET_KEY"] == (tmp_path / "secret_key").read_text().strip()
    again = create_app(config)
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    assert again.config["TOKEN_KEYS"] == app.config["TOKEN_KEYS"]


def test_an_environment_value_wins_over_the_instance_file_and_generated_keys(
        tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text("LOG_LEVEL = 'ERROR'\nSECRET_KEY = 'from-file'\n")
    monkeypatch.setenv("GITOPS_SECRET_KEY", "from-environment")
    monkeypatch.setenv("GITOPS_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("GITOPS_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")

    app = create_app()

    assert app.config["SECRET_KEY"] == "from-environment"
    assert app.config["LOG_LEVEL"] == "ERROR"
    assert app.instance_path == str(tmp_path)
    assert not (tmp_path / "secret_key").exists()


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                      "TOKEN_KEYS": "5FnRC6tNbh3b3tSgv0mUvtZvP9nmK8f7v9DqQ0t1Hcw="})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/gitops.db"


def test_two_processes_racing_on_first_start_agree_on_one_key(tmp_path):
    path = tmp_path / "token_keys"
    counter = iter(range(1000))

    def start(_):
        return load_or_create(path, lambda: f"key-{next(counter)}", "test key")

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(start, range(32)))

    assert len(keys) == 1
    assert keys == {path.read_text().strip()}
    assert [entry.name for entry in tmp_path.iterdir()] == ["token_keys"]


def test_a_token_key_that_is_not_a_fernet_key_stops_the_start_with_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="key number 2 is not a Fernet key"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                    "TOKEN_KEYS": "5FnRC6tNbh3b3tSgv0mUvtZvP9nmK8f7v9DqQ0t1Hcw=,not-a-key"})


def test_generated_files_are_private_even_with_a_permissive_umask(tmp_path):
    old = os.umask(0)
    try:
        load_or_create(tmp_path / "secret_key", lambda: "k", "test key")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_a_setting_of_the_wrong_type_in_the_instance_file_is_refused(tmp_path):
    (tmp_path / "config.py").write_text("ALLOW_HTTP_HOSTS = 'false'\n")

    with pytest.raises(ConfigError, match="ALLOW_HTTP_HOSTS must be True or False"):
        create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                    "TOKEN_KEYS": "5FnRC6tNbh3b3tSgv0mUvtZvP9nmK8f7v9DqQ0t1Hcw="})


def test_every_setting_is_documented_in_the_readme_and_nothing_else_is():
    from pathlib import Path

    from webapp.configure import setting_names
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    documented = set(re.findall(r"^\| `GITOPS_([A-Z_]+)` \|", readme, re.MULTILINE))

    assert documented == set(setting_names())
