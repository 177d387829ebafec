"""open_store: URLs, environment, config files and third-party stores."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from lessonkit.errors import PluginError, StorageError
from lessonkit.evidence.stores import (
    JsonlStore,
    MemoryStore,
    Store,
    configured_store_url,
    open_store,
)

from .samples import session_statements


def kind_and_place(store: Store) -> tuple[str, str]:
    return type(store).__name__, getattr(store, "url", "")


def test_urls_choose_the_store(tmp_path: Path) -> None:
    with open_store(tmp_path / "a") as s:
        assert isinstance(s, JsonlStore) and s.root == tmp_path / "a"
    with open_store(str(tmp_path / "b")) as s:
        assert isinstance(s, JsonlStore) and s.root == tmp_path / "b"
    with open_store((tmp_path / "my evidence").as_uri()) as s:
        assert isinstance(s, JsonlStore) and s.root == tmp_path / "my evidence"
    with open_store("memory://") as s:
        assert isinstance(s, MemoryStore)
    from lessonkit.evidence.stores.sql import SqlStore

    with open_store(f"sqlite:///{tmp_path / 'e.db'}") as s:
        assert isinstance(s, SqlStore) and s.dialect == "sqlite"
    assert (tmp_path / "e.db").is_file()
    with open_store("sqlite://") as s:
        s.append(session_statements(2))
        assert len(list(s.read())) == 2


def test_sql_store_is_imported_lazily() -> None:
    import subprocess

    code = (
        "import sys, lessonkit.evidence.stores, lessonkit.evidence, lessonkit.evidence.identity;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'pandas')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(StorageError, match=r"unknown store URL scheme 'ftp'.*lessonkit\.stores"):
        open_store("ftp://example.org/evidence")


def test_missing_store_with_create_false(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_store(tmp_path / "nothing", create=False)
    with pytest.raises(StorageError, match="no evidence database"):
        open_store(f"sqlite:///{tmp_path / 'nothing.db'}", create=False)
    assert list(tmp_path.iterdir()) == []  # nothing was created
    (tmp_path / "file").write_text("not a database\n" * 300)
    with pytest.raises(StorageError, match="is a file"):
        open_store(tmp_path / "file")
    with pytest.raises(StorageError):
        open_store(f"sqlite:///{tmp_path / 'file'}")  # not a database


def test_configured_url_order(tmp_path: Path) -> None:
    project, home = tmp_path / "project", tmp_path / "home"
    project.mkdir()
    (home / ".config" / "lessonkit").mkdir(parents=True)
    env = {"HOME": str(home), "LESSONKIT_HOME": str(tmp_path / "data")}
    assert configured_store_url(env, cwd=project) == str(tmp_path / "data" / "evidence")

    (home / ".config" / "lessonkit" / "config.toml").write_text('store = "sqlite:///user.db"\n')
    assert configured_store_url(env, cwd=project) == f"sqlite:///{home}/.config/lessonkit/user.db"

    (project / "lessonkit.toml").write_text('# course settings\nstore = "evidence"\n')
    assert configured_store_url(env, cwd=project) == str(project / "evidence")

    env["LESSONKIT_STORE"] = "memory://"
    assert configured_store_url(env, cwd=project) == "memory://"


def test_config_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path)}
    for written, expected in [
        ('"file:ev"', (tmp_path / "ev").as_uri()),
        ('"file:///abs/ev"', "file:///abs/ev"),
        ('"sqlite:////abs/x.db"', "sqlite:////abs/x.db"),
        ('"postgresql://u@db/lk"', "postgresql://u@db/lk"),
        ('"../up"', str(tmp_path / ".." / "up")),
    ]:
        (tmp_path / "lessonkit.toml").write_text(f"store = {written}\n")
        assert configured_store_url(env, cwd=tmp_path) == expected


def test_open_store_without_url_uses_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LESSONKIT_STORE", str(tmp_path / "from-env"))
    with open_store() as s:
        assert isinstance(s, JsonlStore) and s.root == tmp_path / "from-env"


def test_broken_config_is_reported_with_its_path(tmp_path: Path) -> None:
    (tmp_path / "lessonkit.toml").write_text("store = \n")
    with pytest.raises(StorageError, match=r"lessonkit\.toml: cannot read the lessonkit config"):
        configured_store_url({"HOME": str(tmp_path)}, cwd=tmp_path)
    (tmp_path / "lessonkit.toml").write_text("store = 3\n")
    with pytest.raises(StorageError, match="store must be a URL string"):
        configured_store_url({"HOME": str(tmp_path)}, cwd=tmp_path)


@pytest.fixture
def plugin_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed-looking distribution registering three stores in ``lessonkit.stores``."""
    (tmp_path / "lk_test_stores.py").write_text(
        textwrap.dedent(
            """
            from lessonkit.evidence.stores import MemoryStore

            class Tagged(MemoryStore):
                def __init__(self, url):
                    super().__init__()
                    self.url = url

            def broken(url):
                raise RuntimeError("cannot reach the cloud")

            def wrong(url):
                return object()
            """
        )
    )
    info = tmp_path / "lk_test_stores-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: lk-test-stores\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[lessonkit.stores]\n"
        "tagged = lk_test_stores:Tagged\n"
        "broken = lk_test_stores:broken\n"
        "wrong = lk_test_stores:wrong\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_third_party_stores_come_from_entry_points(plugin_dist: Path) -> None:
    with open_store("tagged://bucket/evidence") as s:
        assert type(s).__name__ == "Tagged"
        assert s.url == "tagged://bucket/evidence"  # type: ignore[attr-defined]
        s.append(session_statements(1))
    with pytest.raises(PluginError, match=r"store plugin 'broken'.*cannot reach the cloud"):
        open_store("broken://x")
    with pytest.raises(PluginError, match="lacks the Store methods"):
        open_store("wrong://x")
