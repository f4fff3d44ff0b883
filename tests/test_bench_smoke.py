"""The benchmarks of bench/ still run: each script with tiny sizes (a few requests, seconds), its
figures printed beside the baseline's and its checks passing. No timing is asserted: speed is
measured by `make bench`, not by the suite. Also the partner's own rate limit the submission
benchmark relies on (`tipline partners add NAME --reports-per-hour N`)."""
from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.common import empty_postgres

from intake.domain.conversation import SKIP
from intake.reporting.partners import PartnerError, add_partner, list_partners
from tests.cli import run_tipline
from tests.conftest import POSTGRES_URL
from tests.walk import ANSWERS_FOR_MOTHER
from tests.webclient import web_client

ROOT = Path(__file__).resolve().parent.parent
FIGURE = re.compile(r"product [\d,.]+ \S+, baseline [\d,.]+ \S+, ratio \d+\.\d\dx \(target >= [\d.]+x")


def run_bench(module: str, *args: str, tmp_path: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args, "--dir", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")}, **(env or {})},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def bench_env() -> dict[str, str]:
    """On the PostgreSQL run of the suite, the one-database benchmarks use its server too."""
    return {"TIPLINE_BENCH_DATABASE_URL": POSTGRES_URL} if POSTGRES_URL else {}


@pytest.fixture
def leaves_postgres_empty():
    """A benchmark fills the database it is given: empty the suite's again for the next test."""
    yield
    if POSTGRES_URL:
        asyncio.run(empty_postgres(POSTGRES_URL))


def databases() -> str:
    return "postgres" if POSTGRES_URL else "sqlite"


def test_the_submission_bench_answers_every_success_with_one_tip(tmp_path):
    out = run_bench("submission_bench", "--databases", "sqlite", "--workers", "1", "--seconds", "2", "--rounds", "1",
                    "--connections", "4", tmp_path=tmp_path)
    assert FIGURE.search(out), out
    assert "every 2xx has exactly one tip: yes" in out, out
    assert "errors (non-2xx + socket): product 0" in out, out
    assert re.search(r"resident memory of the product server after the load .*: \d+ MiB", out), out
    assert "bench partner limit 1,000,000 reports/hour" in out


def test_the_wizard_bench_compares_pages_of_the_same_size(tmp_path):
    out = run_bench("wizard_bench", "--seconds", "2", "--rounds", "1", "--connections", "4", tmp_path=tmp_path)
    assert FIGURE.search(out), out
    sizes = re.search(r"page size: product ([\d,]+) bytes, baseline ([\d,]+) bytes", out)
    product, baseline = (int(size.replace(",", "")) for size in sizes.groups())
    assert abs(product - baseline) < product * 0.1, out


@pytest.mark.database  # on the PostgreSQL run, the bench's database is the suite's server
def test_the_bot_bench_saves_every_answer(tmp_path, leaves_postgres_empty):
    out = run_bench("bot_bench", "--updates", "12", "--rounds", "2", "--databases", databases(), tmp_path=tmp_path,
                    env=bench_env())
    assert FIGURE.search(out), out
    assert "product: 12 drafts saved with the answer, 12 chats got the next question" in out, out


@pytest.mark.database
def test_the_fanout_bench_delivers_in_order_and_never_twice(tmp_path, leaves_postgres_empty):
    out = run_bench("fanout_bench", "--tips", "6", "--per-tip", "3", "--rounds", "2", "--databases", databases(),
                    tmp_path=tmp_path, env=bench_env())
    assert FIGURE.search(out), out
    assert "product sent 18, the bare calls 18" in out, out
    assert "in order per tip, none twice: yes" in out, out


# --- the partner's own limit ---------------------------------------------------------------------

ANSWERS = {key: value for key, value in ANSWERS_FOR_MOTHER.items() if value != SKIP}


async def test_a_partner_with_its_own_limit_is_held_to_it_and_others_to_the_default(core):
    _small, small_key = await add_partner(core, "Village app", reports_per_hour=2)
    _big, big_key = await add_partner(core, "Bank elder-care line", reports_per_hour=100_000)
    with pytest.raises(PartnerError):
        await add_partner(core, "Too small", reports_per_hour=0)
    assert {p.name: p.reports_per_hour for p in await list_partners(core)} == {
        "Bank elder-care line": 100_000, "Village app": 2}
    answers = ANSWERS
    async with web_client(core) as client:
        sent = [await client.post("/api/v1/reports?lang=en", json={"answers": answers},
                                  headers={"authorization": f"Bearer {small_key}"}) for _ in range(3)]
        other = await client.post("/api/v1/reports?lang=en", json={"answers": answers},
                                  headers={"authorization": f"Bearer {big_key}"})
    assert [r.status_code for r in sent[:2]] == [201, 201], sent[0].text
    assert sent[2].status_code == 429
    assert sent[2].json()["errors"][0]["message"] == "Too much was sent in a short time. Please wait an hour and try again."
    assert other.status_code == 201


def test_partners_add_states_the_limit_it_gives(tmp_path):
    added = run_tipline("partners", "add", "Bench partner", "--reports-per-hour", "50000",
                        env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": None})
    assert added.returncode == 0, added.stderr
    assert "at most 50,000 reports per hour" in added.stdout
    assert added.stdout.strip().splitlines()[-1].startswith("tlp_")


def test_the_suggest_bench_prints_a_suggestion_and_a_training_beside_their_baselines():
    result = subprocess.run(
        [sys.executable, "-m", "bench.suggest_bench", "--examples", "300", "--rounds", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
        env={k: v for k, v in os.environ.items() if not k.startswith("TIPLINE_")},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"suggestion: p50 [\d.]+ ms, p95 [\d.]+ ms \(CPU time p50 [\d.]+, p95 [\d.]+\) · keyword table alone", out), out
    assert re.search(r"training on 300 descriptions: [\d.]+ s \(CPU [\d.]+ s\) · bare TF-IDF \+ one logistic regression [\d.]+ s", out), out
