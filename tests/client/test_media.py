"""Binary answers and multipart uploads over real HTTP, in both shells, against the emulator."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from wxcomponent import AsyncComponent, Component, File, Media
from wxcomponent.emulator import EmulatorServer
from wxcomponent.errors import APIError, FileTooLarge, InvalidArgument, PermissionDenied
from wxcomponent.stores import MemoryStore

from .conftest import CONFIG, seed_ticket

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG = b"\xff\xd8\xff\xe0" + b"j" * 64


def _setup(emu: EmulatorServer) -> tuple[MemoryStore, str, str]:
    """A mini program with committed code (it has an experience QR code) and an official
    account, both authorized."""
    store = MemoryStore()
    seed_ticket(emu, store)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        mp = emu.authorize(CONFIG.appid, push=False, kind="mini_program")
        oa = emu.authorize(CONFIG.appid, push=False, kind="official_account")
        comp.query_auth(mp.auth_code)
        comp.query_auth(oa.auth_code)
        comp.templates.add(emu.add_template_draft(CONFIG.appid)["draft_id"])
        template = comp.templates.list().templates[0]
        comp.authorizer(mp.authorizer_appid).code.commit(template.template_id, {}, "1.0.0")
    return store, mp.authorizer_appid, oa.authorizer_appid


def test_image_answers_are_bytes_and_errors_are_typed_sync(emu: EmulatorServer) -> None:
    store, mp, oa = _setup(emu)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        qr = comp.authorizer(mp).get_bytes("/wxa/get_qrcode", {"path": "pages/index"})
        assert isinstance(qr, Media) and qr.content.startswith(PNG_MAGIC)
        assert qr.content_type == "image/png"
        code = comp.authorizer(mp).post_bytes("/wxa/getwxacodeunlimit",
                                              {"scene": "a=1", "check_path": False})
        assert code.content.startswith(PNG_MAGIC) and code.content != qr.content
        with pytest.raises(PermissionDenied):  # an official account has no mini-program code
            comp.authorizer(oa).get_bytes("/wxa/get_qrcode")
        with pytest.raises(APIError) as caught:
            comp.authorizer(mp).post_bytes("/wxa/getwxacodeunlimit", {"scene": "x" * 40})
        assert caught.value.errcode == 40169  # the scene is longer than 32 characters


async def test_image_answers_and_40001_in_the_async_shell(emu: EmulatorServer) -> None:
    store, mp, _ = _setup(emu)
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        client = comp.authorizer(mp)
        await client.access_token()
        emu.invalidate_tokens(CONFIG.appid, authorizer_appid=mp)
        qr = await client.get_bytes("/wxa/get_qrcode")
        assert qr.content.startswith(PNG_MAGIC)
        assert emu.calls("/wxa/get_qrcode") == 2  # refused once, refreshed, served


@pytest.mark.parametrize("source", ["bytes", "path", "file object", "File"])
def test_uploads_from_every_source_sync(emu: EmulatorServer, tmp_path: Path, source: str) -> None:
    store, _, oa = _setup(emu)
    path = tmp_path / "photo.jpg"
    path.write_bytes(JPEG)
    given: object = {"bytes": JPEG, "path": str(path), "File": File(JPEG, "named.jpg")}.get(source)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        if source == "file object":
            with path.open("rb") as handle:
                answer = comp.authorizer(oa).upload("/cgi-bin/media/upload", handle,
                                                    params={"type": "image"})
        else:
            answer = comp.authorizer(oa).upload("/cgi-bin/media/upload", given,
                                                params={"type": "image"})
    media_id = answer["media_id"]
    owner, filename, content_type, content = emu.emulator.state.media[media_id]
    assert (owner, content, content_type) == (oa, JPEG, "image/jpeg")
    assert filename == {"bytes": "file.jpg", "path": "photo.jpg", "file object": "photo.jpg",
                        "File": "named.jpg"}[source]


async def test_uploads_async_from_a_path_and_a_file_object(emu: EmulatorServer,
                                                          tmp_path: Path) -> None:
    store, _, oa = _setup(emu)
    path = tmp_path / "voice.amr"
    path.write_bytes(b"#!AMR\n" + b"v" * 100)
    async with AsyncComponent(CONFIG, store, api_base=emu.url) as comp:
        client = comp.authorizer(oa)
        first = await client.upload("/cgi-bin/media/upload", path, params={"type": "voice"})
        second = await client.upload("/cgi-bin/media/upload", io.BytesIO(JPEG),
                                     params={"type": "image"})
    assert first["type"] == "voice" and second["type"] == "image"
    assert emu.emulator.state.media[first["media_id"]][3].startswith(b"#!AMR")


def test_too_large_or_unreadable_files_are_refused_before_sending(emu: EmulatorServer,
                                                                  tmp_path: Path) -> None:
    store, _, oa = _setup(emu)
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"0" * 2000)
    with Component(CONFIG, store, api_base=emu.url) as comp:
        client = comp.authorizer(oa)
        before = emu.calls("/cgi-bin/media/upload")
        with pytest.raises(FileTooLarge):
            client.upload("/cgi-bin/media/upload", big, params={"type": "image"},
                          max_size=1000)
        with pytest.raises(InvalidArgument):
            client.upload("/cgi-bin/media/upload", tmp_path / "missing.jpg")
        with pytest.raises(InvalidArgument):
            client.upload("/cgi-bin/media/upload", b"")
        with pytest.raises(InvalidArgument):
            client.upload("/cgi-bin/media/upload", 12345)  # type: ignore[arg-type]
        assert emu.calls("/cgi-bin/media/upload") == before
        with pytest.raises(APIError) as caught:  # WeChat's own check: a bad media type
            client.upload("/cgi-bin/media/upload", JPEG, params={"type": "poster"})
        assert caught.value.errcode == 40004
