"""Hostile banks: entity tricks, zip slip, zip bombs, oversized entries and paths that climb
out. Each gets a clear message, nothing crashes, and nothing is written outside the output
folder."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from lessonkit.interop.untrusted import MAX_ZIP_ENTRY_BYTES, BankFileError, SafeZip, parse_xml
from tests.interop.conftest import import_cli

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&secret;</text></name>
<questiontext><text>x</text></questiontext>
<answer fraction="100"><text>a</text></answer></question></quiz>"""

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<quiz><question type="essay"><questiontext><text>&lol4;</text></questiontext></question></quiz>"""


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "words"), [(XXE, "EntitiesForbidden"), (LAUGHS, "EntitiesForbidden")]
)
def test_entity_declarations_are_refused_never_expanded(
    data: bytes, words: str, tmp_path: Path
) -> None:
    bank = tmp_path / "in" / "bank.xml"
    bank.parent.mkdir()
    bank.write_bytes(data)
    done = import_cli(bank, "-o", tmp_path / "out" / "x.lesson.yaml")
    assert done.returncode == 1
    assert f"{bank}: skipped: file refused: XML refused: {words}" in done.stdout
    assert "root:" not in done.stdout + done.stderr  # nothing of /etc/passwd
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_zip_slip_refuses_the_package(tmp_path: Path) -> None:
    bank = tmp_path / "bank.zip"
    bank.write_bytes(_zip({"../../evil.xml": b"<quiz/>", "items/a.xml": b"<questestinterop/>"}))
    done = import_cli(bank, "-o", tmp_path / "out" / "x.lesson.yaml")
    assert done.returncode == 1
    assert "zip slip" in done.stdout
    assert _files(tmp_path) == {bank}
    assert not (tmp_path.parent / "evil.xml").exists()


def test_an_entry_declaring_a_gigabyte_is_refused_before_reading(tmp_path: Path) -> None:
    data = bytearray(_zip({"item.xml": b"<assessmentItem/>"}))
    # patch the declared uncompressed size (central directory) to 1 GiB
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (1 << 30).to_bytes(4, "little")
    with pytest.raises(BankFileError, match="declares 1073741824 bytes"):
        SafeZip(bytes(data))
    bank = tmp_path / "big.zip"
    bank.write_bytes(bytes(data))
    done = import_cli(bank, "-o", tmp_path / "out" / "x.lesson.yaml")
    assert done.returncode == 1 and "declares 1073741824 bytes" in done.stdout


def test_a_zip_bomb_stops_at_the_limit_whatever_it_declares(tmp_path: Path) -> None:
    bomb = b"<assessmentItem>" + b" " * (MAX_ZIP_ENTRY_BYTES + 1) + b"</assessmentItem>"
    data = bytearray(_zip({"item.xml": bomb}))
    assert len(data) < 1_000_000  # a small file that inflates past the limit
    central = data.rfind(b"PK\x01\x02")  # and lies about it: declares 17 bytes
    data[central + 24 : central + 28] = (17).to_bytes(4, "little")
    package = SafeZip(bytes(data))
    with pytest.raises(BankFileError):
        package.read("item.xml")


def test_images_outside_the_bank_folder_are_not_carried(tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    folder = tmp_path / "bank"
    folder.mkdir()
    (folder / "link.png").symlink_to(secret)
    (folder / "bank.gift").write_text(
        '[html]<img src="../secret.png"> <img src="link.png"> <img src="/etc/passwd"> Q? {T}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out" / "x.lesson.yaml"
    done = import_cli(folder / "bank.gift", "-o", out, "--json")
    assert done.returncode == 0, done.stderr
    assert "not found in the bank" in done.stdout
    assert not (tmp_path / "out" / "media").exists()
    assert "secret" not in out.read_text(encoding="utf-8")


def test_script_and_raw_html_never_reach_the_lesson(tmp_path: Path) -> None:
    bank = tmp_path / "bank.gift"
    bank.write_text(
        '[html]<script>alert(1)</script><p onclick="x()">Hi <iframe src="https://e.org"></iframe>'
        '<a href="javascript:alert(2)">me</a></p> {=ok}\n',
        encoding="utf-8",
    )
    out = tmp_path / "x.lesson.yaml"
    done = import_cli(bank, "-o", out)
    text = out.read_text(encoding="utf-8")
    assert done.returncode == 0
    for bad in ("script", "alert", "onclick", "iframe", "javascript"):
        assert bad not in text
    assert "dropped HTML <script>" in done.stdout and "approximated" in done.stdout


def test_a_file_too_large_is_refused(tmp_path: Path) -> None:
    bank = tmp_path / "huge.gift"
    with bank.open("wb") as fh:
        fh.truncate(65 * 1024 * 1024)
    done = import_cli(bank, "-o", tmp_path / "x.lesson.yaml")
    assert done.returncode == 1 and "larger than 64 MiB" in done.stdout


def test_xml_without_a_dtd_still_parses_with_lines() -> None:
    doc = parse_xml(b"<quiz>\n<question type='essay'/>\n</quiz>")
    assert doc.line(doc.root[0]) == 2
