"""Evidence files as an attacker on a shared disk would meet them: private modes whatever the
umask, planted links (to files, to folders, dangling), FIFOs, and folders of another user.

The owner check is tested for real where the tests run as root (a folder chowned to
``nobody``, and a writer process running as ``nobody`` meeting a folder planted by another
uid), and everywhere by making the store believe it runs as another user.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from lessonkit.errors import StorageError
from lessonkit.evidence import safefs
from lessonkit.evidence.events import LearnerRef
from lessonkit.evidence.identity import resolve_learner
from lessonkit.evidence.secret import resolve_secret
from lessonkit.evidence.stores import JsonlStore, StoreWarning, open_store

from .samples import ADA, session_statements

ROOT = Path(__file__).resolve().parents[3]
NOBODY = 65534
MALLORY = LearnerRef(id="mallory", home_page="https://hub.example.org/")
as_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0,
    reason="creating files owned by another user needs root; "
    "test_owner_check_without_root covers the check for everyone",
)


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask_000() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def first_file(store: JsonlStore, statements: list[dict[str, object]]) -> Path:
    registration = str(statements[0]["context"]["registration"])  # type: ignore[index]
    return store.path_for("python-loops", ADA, registration)


# ------------------------------------------------------------------------------ modes


@pytest.mark.usefixtures("umask_000")
def test_json_lines_files_are_0600_and_folders_0700_under_umask_000(tmp_path: Path) -> None:
    root = tmp_path / "new" / "evidence"
    with JsonlStore(root) as store:
        store.append(session_statements(3))
        store.append(session_statements(2, learner=MALLORY, lesson="recursion"))
    folders = [root, *(p for p in root.rglob("*") if p.is_dir())]
    files = list(root.rglob("*.jsonl"))
    assert len(folders) == 5 and len(files) == 2
    assert {mode(p) for p in folders} == {0o700}
    assert {mode(p) for p in files} == {0o600}


@pytest.mark.usefixtures("umask_000")
def test_sqlite_files_are_0600_under_umask_000(tmp_path: Path) -> None:
    path = tmp_path / "evidence.db"
    with open_store(f"sqlite:///{path}") as store:
        store.append(session_statements(3))
        sidecars = [Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert all(p.exists() for p in sidecars)  # WAL mode, while the store is open
        assert [mode(p) for p in (path, *sidecars)] == [0o600] * 3


def test_loose_modes_left_by_older_versions_are_tightened(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    statements = session_statements(2)
    with JsonlStore(root) as store:
        store.append(statements[:1])
        path = first_file(store, statements)
    path.chmod(0o644)
    path.parent.chmod(0o755)
    path.parent.parent.chmod(0o755)
    with JsonlStore(root) as store:
        store.append(statements[1:])
    assert (mode(path), mode(path.parent), mode(path.parent.parent)) == (0o600, 0o700, 0o700)
    db = tmp_path / "old.db"
    open_store(f"sqlite:///{db}").close()
    db.chmod(0o644)
    open_store(f"sqlite:///{db}").close()
    assert mode(db) == 0o600


def test_a_root_folder_you_made_keeps_its_mode(tmp_path: Path) -> None:
    root = tmp_path / "shared-with-my-ta"
    root.mkdir(mode=0o750)
    root.chmod(0o750)
    with JsonlStore(root) as store:
        store.append(session_statements(1))
    assert mode(root) == 0o750
    assert {mode(p) for p in root.rglob("*")} == {0o700, 0o600}


@pytest.mark.usefixtures("umask_000")
def test_secret_and_learner_id_are_private_files_under_umask_000(tmp_path: Path) -> None:
    env = {"LESSONKIT_HOME": str(tmp_path / "data")}
    secret = resolve_secret(env, cwd=tmp_path)
    learner = resolve_learner(env=env)
    assert len(secret) == 64 and resolve_secret(env, cwd=tmp_path) == secret
    assert resolve_learner(env=env) == learner
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "data" / "secret") == 0o600
    assert mode(tmp_path / "data" / "learner-id") == 0o600


# ------------------------------------------------------------------------------ planted links


def plant(store: JsonlStore, where: str, target: Path) -> Path:
    """Plant a link named like ADA's ``where`` ("file", "learner", "lesson") to ``target``."""
    path = store.path_for("python-loops", ADA, "1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e81")
    name = {"file": path, "learner": path.parent, "lesson": path.parent.parent}[where]
    name.parent.mkdir(parents=True, exist_ok=True)
    name.symlink_to(target)
    return name


@pytest.mark.parametrize("where", ["file", "learner", "lesson"])
@pytest.mark.parametrize("dangling", [False, True], ids=["to-elsewhere", "dangling"])
def test_a_planted_link_is_refused_and_its_target_untouched(
    tmp_path: Path, where: str, dangling: bool
) -> None:
    elsewhere = tmp_path / "attacker"
    if dangling:
        target = elsewhere / "not-yet"
    elif where == "file":
        target = elsewhere / "victim.txt"
        target.parent.mkdir()
        target.write_text("precious\n")
    else:
        target = elsewhere
        target.mkdir()
    store = JsonlStore(tmp_path / "evidence")
    plant(store, where, target)
    statements = session_statements(2, registration="1d6b1a9e-5f0c-4a51-9d0e-3c2f4b6a7e81")
    with pytest.raises(StorageError, match="is a symbolic link") as caught:
        store.append(statements)
    assert "Remove it" in str(caught.value)
    store.close()
    if dangling:
        assert not elsewhere.exists()
    elif where == "file":
        assert target.read_text() == "precious\n"
    else:
        assert list(target.iterdir()) == []


def test_a_root_reached_through_your_own_link_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with JsonlStore(tmp_path / "link") as store:
        store.append(session_statements(1))
    assert len(list((tmp_path / "real").rglob("*.jsonl"))) == 1


def test_a_dangling_root_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "evidence").symlink_to(tmp_path / "nowhere")
    with pytest.raises(StorageError, match="symbolic link to nothing"):
        JsonlStore(tmp_path / "evidence").append(session_statements(1))
    assert not (tmp_path / "nowhere").exists()


def test_readers_skip_planted_links_with_a_warning(tmp_path: Path) -> None:
    other = tmp_path / "other-store"
    with JsonlStore(other) as store:
        store.append(session_statements(3, learner=MALLORY))
    (mallory_dir,) = (other / "python-loops").iterdir()
    (mallory_file,) = mallory_dir.iterdir()
    root = tmp_path / "evidence"
    with JsonlStore(root) as store:
        mine = session_statements(2)
        store.append(mine)
        real_dir = first_file(store, mine).parent
    (root / "python-loops" / mallory_dir.name).symlink_to(mallory_dir)
    (real_dir / mallory_file.name).symlink_to(mallory_file)
    (root / "planted-lesson").symlink_to(other / "python-loops")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = list(JsonlStore(root, create=False).read())
    assert got == mine
    messages = [str(w.message) for w in caught]
    assert all(issubclass(w.category, StoreWarning) for w in caught)
    assert len(messages) == 3 and all("symbolic link" in m for m in messages)


def test_a_planted_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    store = JsonlStore(tmp_path / "evidence")
    statements = session_statements(1)
    path = first_file(store, statements)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(StorageError, match="not a regular file"):
        store.append(statements)
    with pytest.warns(StoreWarning, match="cannot be read"):
        assert list(store.read()) == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_sqlite_refuses_links_at_the_database_and_its_sidecars(tmp_path: Path, suffix: str) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    Path(f"{tmp_path / 'evidence.db'}{suffix}").symlink_to(victim)
    with pytest.raises(StorageError, match="is a symbolic link"):
        open_store(f"sqlite:///{tmp_path / 'evidence.db'}")
    assert victim.read_text() == "precious\n"


def test_the_cli_reports_a_planted_link_without_a_traceback(tmp_path: Path) -> None:
    lesson = ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml"
    responses = tmp_path / "r.yaml"
    responses.write_text("theme: music\nq1: [5]\nq2: ['4']\n")
    store = JsonlStore(tmp_path / "evidence")
    store.root.mkdir()
    (store.root / "branching").symlink_to(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lessonkit",
            "play",
            str(lesson),
            "--responses",
            str(responses),
            "--store",
            str(store.root),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(line.startswith("lessonkit: error: ") for line in lines), proc.stderr
    assert all(line.startswith("lessonkit: ") for line in lines), proc.stderr
    assert "is a symbolic link" in proc.stderr and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------------ owners


def test_owner_check_without_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store believes it runs as another user: everything existing is someone else's."""
    root = tmp_path / "evidence"
    with JsonlStore(root) as store:
        store.append(session_statements(1))
    monkeypatch.setattr(safefs, "current_uid", lambda: os.geteuid() + 1)
    with pytest.raises(StorageError, match="belongs to another user"):
        JsonlStore(root).append(session_statements(1))
    (tmp_path / "data").mkdir()
    with pytest.warns(RuntimeWarning, match="belongs to another user.*this process only"):
        secret = resolve_secret({"LESSONKIT_HOME": str(tmp_path / "data")}, cwd=tmp_path)
    assert len(secret) == 64 and list((tmp_path / "data").iterdir()) == []


def test_a_planted_link_at_the_secret_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    victim = tmp_path / "victim"
    victim.write_text("a" * 64)  # a valid-looking secret the attacker could read
    (tmp_path / "data" / "secret").symlink_to(victim)
    env = {"LESSONKIT_HOME": str(tmp_path / "data")}
    with pytest.warns(RuntimeWarning, match="is a symbolic link"):
        secret = resolve_secret(env, cwd=tmp_path)
    assert secret != b"a" * 64 and victim.read_text() == "a" * 64


@as_root
@pytest.mark.parametrize("what", ["lesson", "learner", "file"])
def test_a_folder_or_file_of_another_user_is_refused(tmp_path: Path, what: str) -> None:
    root = tmp_path / "evidence"
    statements = session_statements(2)
    with JsonlStore(root) as store:
        store.append(statements[:1])
        path = first_file(store, statements)
    planted = {"file": path, "learner": path.parent, "lesson": path.parent.parent}[what]
    os.chown(planted, NOBODY, NOBODY)
    before = path.read_bytes()
    with pytest.raises(StorageError, match=f"belongs to another user \\(uid {NOBODY};"):
        JsonlStore(root).append(statements[1:])
    assert path.read_bytes() == before


def python_for_nobody(cwd: Path) -> tuple[str, dict[str, str]]:
    """An interpreter (and environment) with which uid ``nobody`` can import lessonkit.

    This one if ``nobody`` may run it; else the system's Python of the same version with this
    environment's packages on ``PYTHONPATH`` (a virtualenv under a private home is out of
    reach of other users).
    """
    import site
    import sysconfig

    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    paths = [str(ROOT), sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    env = {**os.environ, "HOME": str(cwd), "LESSONKIT_HOME": str(cwd / "data")}
    for python, extra in (
        (sys.executable, {}),
        (
            shutil.which(version, path="/usr/local/bin:/usr/bin:/bin") or "",
            {"PYTHONPATH": ":".join(paths)},
        ),
    ):
        if not python:
            continue
        try:
            subprocess.run(
                [python, "-c", "import lessonkit.cli"],
                check=True,
                capture_output=True,
                timeout=60,
                user=NOBODY,
                group=NOBODY,
                extra_groups=[],
                cwd=cwd,
                env={**env, **extra},
            )
        except (OSError, subprocess.CalledProcessError):
            continue
        return python, {**env, **extra}
    pytest.skip(f"no {version} that uid {NOBODY} may run can import lessonkit here")


@as_root
def test_a_learner_meets_a_folder_planted_by_another_user(tmp_path: Path) -> None:
    """A real second user: a writer running as ``nobody`` whose store folder is on a disk
    where uid 4242 planted a world-writable lesson folder first."""
    shared = Path(tempfile.mkdtemp(prefix="lessonkit-shared-"))
    try:
        shared.chmod(0o755)
        root = shared / "evidence"
        root.mkdir()
        os.chown(root, NOBODY, NOBODY)
        planted = root / "python-loops"
        planted.mkdir()
        planted.chmod(0o777)
        os.chown(planted, 4242, 4242)
        code = (
            "import sys\n"
            "from lessonkit.cli import main\n"
            "sys.exit(main(['play', sys.argv[1], '--responses', sys.argv[2], "
            "'--store', sys.argv[3], '--learner', 'ada']))\n"
        )
        responses = shared / "r.yaml"
        responses.write_text("theme: music\nq1: [5]\nq2: ['4']\n")
        lesson = shared / "python-loops.lesson.yaml"
        text = (ROOT / "tests" / "data" / "valid" / "branching.lesson.yaml").read_text()
        lesson.write_text(text.replace("id: branching", "id: python-loops", 1))
        python, env = python_for_nobody(shared)
        proc = subprocess.run(
            [python, "-c", code, str(lesson), str(responses), str(root)],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
            user=NOBODY,
            group=NOBODY,
            extra_groups=[],
            cwd=shared,
            env=env,
        )
        assert proc.returncode == 1, (proc.stdout, proc.stderr)
        lines = proc.stderr.splitlines()
        assert any(line.startswith("lessonkit: error: ") for line in lines), proc.stderr
        assert all(line.startswith("lessonkit: ") for line in lines), proc.stderr
        assert "belongs to another user (uid 4242; you are uid 65534)" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert list(planted.iterdir()) == []  # nothing of the learner's went into it
    finally:
        shutil.rmtree(shared)
