"""`make screenshots` (tooling/screenshots.py): a role's home page, signed in, as a PNG the
width of each screen and the height of the whole page."""

import struct

import pytest

from tooling import screenshots

pytestmark = pytest.mark.browser


def _png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_each_role_s_home_page_is_saved_at_1280_and_320_pixels(
    browser, live_server, demo, tmp_path, monkeypatch
):
    monkeypatch.setattr(screenshots, "ROLES", ["practitioner", "commissioner"])
    written = screenshots.take(browser, live_server.url, output_dir=tmp_path)

    assert sorted(path.name for path in written) == [
        "commissioner-1280.png",
        "commissioner-320.png",
        "practitioner-1280.png",
        "practitioner-320.png",
    ]
    for path in written:
        width, height = _png_size(path)
        assert width == int(path.stem.rsplit("-", 1)[1])
        # The whole page, not one screen of it: a signed-in home page is longer at 320px.
        assert height > (720 if width == 320 else 0)
