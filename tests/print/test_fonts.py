"""Font discovery and resolution: system 宋体/仿宋/黑体 by family name, TrueType only, the
bundled WenQuanYi Micro Hei as the last resort, and glyph fallback so nothing prints as a box."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.config import resources_dir
from app.print import fonts as pf

UMING = Path("/usr/share/fonts/truetype/arphic/uming.ttc")
BUNDLED = resources_dir() / "fonts" / pf.BUNDLED_FILE


def test_bundled_font_and_licence_ship_together() -> None:
    assert BUNDLED.is_file()
    assert BUNDLED.stat().st_size < 6_000_000  # repository size: one compact CJK font
    licence = BUNDLED.parent / "LICENSE-wqy-microhei.txt"
    assert "Apache License" in licence.read_text(encoding="utf-8")
    faces = pf.read_faces(BUNDLED)
    assert len(faces) == 2
    index, families, truetype, cjk = faces[0]
    assert index == 0 and truetype and cjk
    assert "WenQuanYi Micro Hei" in families


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("SimFang", "仿宋"), "fangsong"),
        (("FangSong_GB2312", "仿宋_GB2312"), "fangsong"),
        (("CESI仿宋-GB2312",), "fangsong"),
        (("SimHei", "黑体"), "hei"),
        (("WenQuanYi Micro Hei", "文泉驿微米黑"), "hei"),
        (("Microsoft YaHei",), "hei"),
        (("SimSun", "宋体"), "song"),
        (("AR PL UMing CN",), "song"),
        (("KaiTi", "楷体"), "kai"),
        (("AR PL UKai CN",), "kai"),
        (("FZXiaoBiaoSong-B05S", "方正小标宋简体"), "xbs"),
        (("STZhongsong", "华文中宋"), "zhongsong"),
        (("DejaVu Sans",), None),
    ],
)
def test_classify_by_family_names(names: tuple[str, ...], expected: str | None) -> None:
    assert pf.classify(names) == expected


def face(family: str, path: str = "/x.ttf", index: int = 0) -> pf.FaceInfo:
    return pf.FaceInfo(path, index, (family,))


def test_roles_prefer_the_official_faces() -> None:
    faces = [
        face("SimSun", "/w/simsun.ttc"),
        face("SimHei", "/w/simhei.ttf"),
        face("SimFang", "/w/simfang.ttf"),
        face("SimKai", "/w/simkai.ttf"),
        face("FangSong_GB2312", "/w/fs_gb2312.ttf"),
        face("AR PL UMing TW", "/u/uming.ttc", 2),
        face("AR PL UMing CN", "/u/uming.ttc", 0),
    ]
    assert pf.choose(faces, "body")[0].family == "FangSong_GB2312"  # 仿宋_GB2312 first
    assert [f.family for f in pf.choose(faces, "body")][:2] == ["FangSong_GB2312", "SimFang"]
    assert pf.choose(faces, "title")[0].family == "SimHei"  # no 小标宋: 黑体
    assert pf.choose(faces, "heading")[0].family == "SimHei"
    assert pf.choose(faces, "kai")[0].family == "SimKai"
    song = [f.family for f in pf.choose(faces, "song")]
    assert song[0] == "SimSun"
    assert song.index("AR PL UMing CN") < song.index("AR PL UMing TW")  # mainland forms first
    with_xbs = [face("方正小标宋简体", "/w/fzxbs.ttf"), *faces]
    assert pf.choose(with_xbs, "title")[0].family == "方正小标宋简体"


@pytest.mark.skipif(not UMING.exists(), reason="AR PL UMing is not installed")
def test_windows_font_folder_is_scanned_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows the fonts folder is read directly (no fontconfig): faces are found by the
    names inside the files, non-fonts and non-CJK fonts are ignored."""
    fonts_dir = tmp_path / "Windows" / "Fonts"
    fonts_dir.mkdir(parents=True)
    os.symlink(UMING, fonts_dir / "uming.ttc")
    os.symlink(BUNDLED, fonts_dir / "WQY.TTC")
    (fonts_dir / "readme.ttf").write_bytes(b"not a font at all")
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if dejavu.exists():
        shutil.copy(dejavu, fonts_dir / "dejavu.ttf")
    monkeypatch.setenv("WINDIR", str(tmp_path / "Windows"))
    monkeypatch.delenv("LOCALAPPDATA", raising=False)
    found = pf.scan_dirs(pf.windows_font_dirs())
    families = {f.family for f in found}
    assert "AR PL UMing CN" in families and "WenQuanYi Micro Hei" in families
    assert not any("DejaVu" in f for f in families)
    body = pf.choose(found, "body")
    assert body[0].family == "AR PL UMing CN"


def test_bundled_mode_uses_the_bundled_font_everywhere() -> None:
    fs = pf.resolve("bundled")
    for role in pf.ROLES:
        assert Path(fs.face(role).path) == BUNDLED
    assert fs.describe()["body"].startswith("WenQuanYi Micro Hei")


@pytest.mark.skipif(not UMING.exists(), reason="AR PL UMing is not installed")
def test_system_fonts_are_preferred_when_present() -> None:
    fs = pf.resolve("system")
    assert fs.face("body").family.startswith("AR PL UMing")  # a serif face for 仿宋/宋体
    assert fs.face("body").index == 0  # the CN face of the collection


def test_markup_falls_back_per_character_instead_of_printing_a_box() -> None:
    fs = pf.get_fonts()
    body = fs.font("body")
    body_glyphs = fs.glyphs_of(body)
    others = [g for g in fs.chain() if g.name != body]
    spare = sorted({c for g in others for c in g.glyphs if 0x4E00 <= c <= 0x9FFF} - body_glyphs)
    if not spare:
        pytest.skip("every font in the chain covers the same characters (bundled mode)")
    rare = chr(spare[0])
    markup = fs.markup(f"王{rare}生", "body")
    assert '<font face="' in markup and rare in markup
    assert fs.uncovered(f"王{rare}生") == set()


def test_unknown_characters_are_reported_and_text_is_escaped() -> None:
    fs = pf.get_fonts()
    assert fs.markup("A<B>&C", "body").count("&lt;") == 1
    private = "\U0010fffd"  # supplementary private use: no font has it
    assert fs.uncovered(f"张三{private}") == {private}


def test_ideographic_spaces_keep_their_width() -> None:
    fs = pf.get_fonts()
    assert "\xa0\xa0" in fs.markup("卷\u3000名", "body")
