"""``newscrawl serve``: where it may listen, and with what credentials."""

from __future__ import annotations

import socket

import pytest
from web.webarchive import make_archive

from newscrawl.cli import main
from newscrawl.web.serve import credentials_from_env, is_loopback


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True),
                                                ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                                ("example.org", False)])
def test_only_loopback_addresses_count_as_this_machine(host, loopback):
    assert is_loopback(host) is loopback


def test_serving_beyond_this_machine_needs_credentials(tmp_path, monkeypatch):
    make_archive(tmp_path / "archive").close()
    monkeypatch.delenv("NEWSCRAWL_WEB_USERNAME", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--host", "0.0.0.0", "--archive", str(tmp_path / "archive")])
    assert str(exit_info.value.code).startswith("newscrawl serve: serving on 0.0.0.0 needs credentials: set "
                                                "NEWSCRAWL_WEB_USERNAME and NEWSCRAWL_WEB_PASSWORD")


def test_a_username_without_a_password_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSCRAWL_WEB_USERNAME", "reader")
    monkeypatch.delenv("NEWSCRAWL_WEB_PASSWORD", raising=False)
    monkeypatch.delenv("NEWSCRAWL_WEB_PASSWORD_HASH", raising=False)
    with pytest.raises(ValueError, match="neither NEWSCRAWL_WEB_PASSWORD nor NEWSCRAWL_WEB_PASSWORD_HASH"):
        credentials_from_env()
    with pytest.raises(SystemExit, match="newscrawl serve: NEWSCRAWL_WEB_USERNAME is set"):
        main(["serve", "--archive", str(tmp_path)])


def test_a_port_in_use_is_a_one_line_error(tmp_path, monkeypatch):
    make_archive(tmp_path / "archive").close()
    monkeypatch.delenv("NEWSCRAWL_WEB_USERNAME", raising=False)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as exit_info:
            main(["serve", "--port", str(port), "--archive", str(tmp_path / "archive")])
    assert str(exit_info.value.code).startswith(f"newscrawl serve: cannot listen on 127.0.0.1:{port}:")
