"""What a deployment behind a proxy must decide (#14.12), over real HTTP against both apps served
as `tipline serve` serves them (tests/browser.py `serving` with the settings): the Host names the
apps answer to (a forged Host is never echoed in a redirect), HSTS from both apps in production,
and X-Forwarded-For believed only from the proxies named in TIPLINE_TRUSTED_PROXIES (none by
default), so a client cannot choose the address its rate limits are counted under."""
from __future__ import annotations

import asyncio
import importlib.util
import subprocess
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from console.app import create_app as create_console
from intake.platform.models.operations import RateCounter
from tests.browser import free_port, serving
from tests.console_support import LEAD_UNIT, csrf_of, make_staff
from tests.webclient import token_of
from web_form.app import create_app as create_web

PUBLIC_HOST, CONSOLE_HOST = "tipline.example.gov.cn", "console.tipline.internal"
PRODUCTION = {"env": "production", "public_base_url": f"https://{PUBLIC_HOST}", "console_base_url": f"https://{CONSOLE_HOST}"}


def in_production(core, **more) -> None:
    core.settings = core.settings.model_copy(update={**PRODUCTION, **more})


async def test_a_forged_host_gets_no_redirect_to_it_in_production(core):
    """A trailing slash redirects to the same page; in production only under the deployment's
    own host names (here from TIPLINE_PUBLIC_BASE_URL and TIPLINE_CONSOLE_BASE_URL): a forged
    Host gets a 400 and no Location at all."""
    in_production(core)
    for app, own, path in ((create_web(core), PUBLIC_HOST, "/status/"), (create_console(core), CONSOLE_HOST, "/signin/")):
        async with serving(app, core.settings) as url, httpx.AsyncClient(base_url=url) as client:
            for forged in ("evil.example", "evil.example:443", f"{own}.evil.example", ""):
                answer = await client.get(path, headers={"host": forged})
                assert answer.status_code == 400, (path, forged, answer.status_code, answer.headers.get("location"))
                assert "location" not in answer.headers and "evil" not in answer.text
            own_answer = await client.get(path, headers={"host": own})
            assert own_answer.status_code in (307, 308) and own_answer.headers["location"] == f"http://{own}{path.rstrip('/')}"
            for other in (PUBLIC_HOST, CONSOLE_HOST):  # one list for both apps
                assert (await client.get(path.rstrip("/"), headers={"host": other})).status_code == 200


async def test_trusted_hosts_named_outright_replace_the_base_urls(core):
    in_production(core, trusted_hosts="tips.example.org, *.tips.example.org")
    async with serving(create_web(core), core.settings) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/", headers={"host": "tips.example.org"})).status_code == 200
        assert (await client.get("/", headers={"host": "www.tips.example.org"})).status_code == 200
        assert (await client.get("/", headers={"host": PUBLIC_HOST})).status_code == 400


async def test_production_without_its_host_names_refuses_to_start(core):
    from tipline.serve import serve

    core.settings = core.settings.model_copy(update={"env": "production", "public_base_url": f"https://{PUBLIC_HOST}"})
    stop = asyncio.Event()
    stop.set()  # were it to start, it would stop at once
    with pytest.raises(SystemExit, match="TIPLINE_TRUSTED_HOSTS"):  # the console's host is unknown
        await serve(core, host="127.0.0.1", web_port=free_port(), console_port=free_port(), stop=stop)


async def test_outside_production_any_host_is_answered(core):
    """`make run` and the tests: the apps answer whatever name they are reached by."""
    async with serving(create_web(core), core.settings) as url, httpx.AsyncClient(base_url=url) as client:
        assert (await client.get("/", headers={"host": "laptop.local:8000"})).status_code == 200


@pytest.mark.parametrize("app_name", ["web", "console"])
async def test_both_apps_send_hsts_in_production_on_every_kind_of_page(core, app_name):
    in_production(core)
    app, host, pages = ((create_web(core), PUBLIC_HOST, ("/", "/status", "/nope")) if app_name == "web" else
                        (create_console(core), CONSOLE_HOST, ("/signin", "/queue", "/nope", "/tips/abc")))
    async with serving(app, core.settings) as url, httpx.AsyncClient(base_url=url, headers={"host": host}) as client:
        for page in pages:
            answer = await client.get(page)
            assert answer.headers.get("strict-transport-security") == "max-age=31536000", (app_name, page, answer.status_code)
    core.settings = core.settings.model_copy(update={"env": "development"})
    async with serving(create_web(core) if app_name == "web" else create_console(core), core.settings) as url, \
            httpx.AsyncClient(base_url=url) as client:
        assert "strict-transport-security" not in (await client.get(pages[0])).headers  # plain HTTP on a laptop


def counted_under(core, address: str) -> str:
    """The suffix of a rate counter's key for `address` (keys are hashed: no address is stored)."""
    return ":" + core.keys.keyed_hash(address, purpose="rate-limit")[:40]


async def counted_addresses(core, *addresses: str) -> set[str]:
    async with core.db.session() as session:
        keys = (await session.scalars(select(RateCounter.key))).all()
    return {address for address in addresses if any(key.endswith(counted_under(core, address)) for key in keys)}


async def start_a_report(url: str, forwarded_for: str) -> None:
    async with httpx.AsyncClient(base_url=url) as visitor:
        page = await visitor.get("/")
        started = await visitor.post("/report/start", data={"csrf": token_of(page.text)}, headers={"x-forwarded-for": forwarded_for})
        assert started.status_code == 303, started.status_code


async def sign_in_once(url: str, forwarded_for: str) -> None:
    async with httpx.AsyncClient(base_url=url) as officer:
        page = await officer.get("/signin")
        await officer.post("/signin", data={"csrf": csrf_of(page.text), "username": "li", "password": "wrong password"},
                           headers={"x-forwarded-for": forwarded_for})


async def test_x_forwarded_for_from_an_untrusted_peer_does_not_change_the_address_counted(core):
    """No TIPLINE_TRUSTED_PROXIES (the default): the peer's own address is counted, whatever
    X-Forwarded-For says; uvicorn no longer trusts loopback silently."""
    await make_staff(core, "li", "officer", LEAD_UNIT)
    assert not core.settings.trusted_proxies
    async with serving(create_web(core), core.settings) as url:
        await start_a_report(url, "203.0.113.7")
    async with serving(create_console(core), core.settings) as url:
        await sign_in_once(url, "203.0.113.8")
    assert await counted_addresses(core, "127.0.0.1", "203.0.113.7", "203.0.113.8") == {"127.0.0.1"}


async def test_x_forwarded_for_from_a_trusted_proxy_is_the_address_counted(core):
    """TIPLINE_TRUSTED_PROXIES=127.0.0.1 (nginx on the same machine): the client address the
    proxy appends is counted, for the public site and the console's sign-in alike."""
    await make_staff(core, "li", "officer", LEAD_UNIT)
    core.settings = core.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    async with serving(create_web(core), core.settings) as url:
        await start_a_report(url, "203.0.113.7")
    async with serving(create_console(core), core.settings) as url:
        await sign_in_once(url, "198.51.100.1, 203.0.113.8")  # what the client claimed, then what nginx saw
    assert await counted_addresses(core, "127.0.0.1", "198.51.100.1", "203.0.113.7", "203.0.113.8") == {"203.0.113.7", "203.0.113.8"}


def _cluster_script():
    """scripts/cluster.py (`make cluster`), which fills in deploy/nginx/tipline.conf."""
    spec = importlib.util.spec_from_file_location("cluster_script", Path(__file__).resolve().parents[1] / "scripts" / "cluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def test_nginx_configured_as_in_deploy_passes_the_address_it_saw_and_skips_an_instance_that_is_down(core, tmp_path):
    """deploy/nginx/tipline.conf (the file a deployment installs, as `make cluster` fills it in) in
    front of two instances, one of them down: every request reaches the other, and the address
    counted is the one nginx saw connecting, never an X-Forwarded-For the client made up."""
    cluster = _cluster_script()
    binary = cluster.nginx_binary()
    if binary is None:
        pytest.skip(reason="nginx is not installed (scripts/system-packages.sh installs it)")
    await make_staff(core, "li", "officer", LEAD_UNIT)
    core.settings = core.settings.model_copy(update={"trusted_proxies": "127.0.0.1"})
    public, console = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    async with serving(create_web(core), core.settings) as web, serving(create_console(core), core.settings) as staff:
        down = (free_port(), free_port())  # an instance killed a moment ago: nothing listens there
        up = (int(web.rsplit(":", 1)[1]), int(staff.rsplit(":", 1)[1]))
        command = cluster.nginx_command(binary, tmp_path / "nginx", [down, up], public=public, console=console)
        nginx = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        try:
            async def answers() -> bool:
                try:
                    async with httpx.AsyncClient() as client:
                        return (await client.get(f"http://{console}/signin")).status_code == 200
                except httpx.HTTPError:
                    return False

            for _ in range(200):
                if await answers() or nginx.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            assert nginx.poll() is None, nginx.stderr.read().decode()
            for _ in range(2):  # taken in turn: one of the two first tries the instance that is down
                await start_a_report(f"http://{public}", "203.0.113.7")
            await sign_in_once(f"http://{console}", "203.0.113.8")
        finally:
            nginx.terminate()
            nginx.wait(10)
    assert await counted_addresses(core, "127.0.0.1", "203.0.113.7", "203.0.113.8") == {"127.0.0.1"}
