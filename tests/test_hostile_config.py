"""Hostile files for `tipline config apply` and `tipline regions import`, through the real
command: broken TOML, wrong types, 10 MB, CSV formula injection, a byte-order mark, the wrong
encoding. Each: a clear message naming the problem, exit code 1 (never a traceback), no new
configuration version stored, and the deployment in force unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.domain.deployment import CONFIG_DIR, DEPLOYMENT_FILES
from intake.platform.models.operations import ConfigVersion
from tests.cli import Ran, run_tipline


def tipline(settings, *args: str) -> Ran:
    return run_tipline(*args, env={"TIPLINE_VAR_DIR": str(settings.var_dir), "TIPLINE_DATABASE_URL": settings.database_url})


async def versions(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(ConfigVersion))


def whole_config() -> str:
    return "\n".join((CONFIG_DIR / name).read_text(encoding="utf-8") for name in DEPLOYMENT_FILES if (CONFIG_DIR / name).exists())


def hostile_toml(tmp_path: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (file content, words the refusal must contain)."""
    whole = whole_config()
    return {
        "broken TOML": (b'[[categories]\ncode = "x\n', "not valid TOML"),
        "wrong types": (b'categories = "all of them"\nunits = 7\n', "categories"),
        "a list where a text belongs": (whole.replace('code = "990121"', "code = [9, 9, 0]", 1).encode(), "code"),
        "10 MB": (whole.encode() + b"\n# " + b"x" * (10 * 1024 * 1024) + b"\n", "too big"),
        "a GBK file": ("[meta]\nname = \"东湖县\"\n".encode("gbk"), "UTF-8"),
        "NUL bytes": (b"\x00\x00[[units]]\x00", "not valid TOML"),
        "binary junk": (bytes(range(256)) * 40, "UTF-8"),
    }


async def test_a_hostile_configuration_file_is_refused_with_a_clear_message_and_nothing_stored(core, settings, tmp_path):
    before = await versions(core)
    in_force = core.deployment.categories[0].code
    for name, (content, words) in hostile_toml(tmp_path).items():
        path = tmp_path / f"{name.replace(' ', '_')}.toml"
        path.write_bytes(content)
        result = tipline(settings, "config", "apply", str(path), "--yes")
        output = result.stdout + result.stderr
        assert result.returncode == 1, (name, output[-800:])
        assert "Traceback" not in output, (name, output[-1500:])
        assert words.lower() in output.lower(), (name, output[-800:])
        assert await versions(core) == before, name
    ok = tipline(settings, "config", "check")
    assert ok.returncode == 0, ok.stdout  # the configuration in force still checks
    assert core.deployment.categories[0].code == in_force


async def test_a_configuration_file_with_a_byte_order_mark_is_read_like_any_other(core, settings, tmp_path):
    path = tmp_path / "with_bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + whole_config().encode())
    result = tipline(settings, "config", "apply", str(path), "--yes")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr


HOSTILE_CSV = {
    "formula injection": ('code,name_zh,name_bo,name_en\n990124,=HYPERLINK("http://evil.example","南湖县"),ལྷོ,South Lake\n',
                          "utf-8", "formula"),
    "a formula in the English name": ("code,name_zh,name_bo,name_en\n990124,南湖县,ལྷོ,@SUM(A1:A9)\n", "utf-8", "formula"),
    "a GB18030 file": ("code,name_zh,name_bo,name_en\n990124,南湖县,ལྷོ,South Lake\n", "gb18030", "UTF-8"),
    "not a CSV at all": ("\x00\x01\x02 PK\x03\x04 binary", "latin-1", "code"),
    "wrong columns": ("id;name\n1;x\n", "utf-8", "code"),
    "a code with letters": ("code,name_zh,name_bo,name_en\n99012A,南湖县,ལྷོ,South Lake\n", "utf-8", "6- or 9-digit"),
    "RTL override in a name": ("code,name_zh,name_bo,name_en\n990124,南湖\u202e县,ལྷོ,South Lake\n", "utf-8", "hidden"),
    "10 MB": ("code,name_zh,name_bo,name_en\n" + "990124,南湖县,ལྷོ,South Lake\n" * 300_000, "utf-8", "too big"),
}


@pytest.mark.parametrize("name", HOSTILE_CSV)
async def test_a_hostile_regions_file_is_refused_with_a_clear_message_and_nothing_stored(core, settings, tmp_path, name):
    text, encoding, words = HOSTILE_CSV[name]
    path = tmp_path / "divisions.csv"
    path.write_bytes(text.encode(encoding))
    before = await versions(core)
    result = tipline(settings, "regions", "import", str(path), "--yes")
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-800:]
    assert "Traceback" not in output, output[-1500:]
    assert words.lower() in output.lower(), output[-800:]
    assert len(output) < 20_000  # a clear message, not a wall of text
    assert await versions(core) == before


async def test_a_regions_file_with_a_byte_order_mark_from_excel_is_read(core, settings, tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_bytes("\ufeffcode,name_zh,name_bo,name_en\r\n990124,南湖县,ལྷོ་མཚོ་རྫོང་།,South Lake County\r\n".encode("utf-8"))
    result = tipline(settings, "regions", "import", str(path), "--yes")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "990124" in result.stdout
