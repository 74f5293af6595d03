"""The converter's warm-up survives a fork: a process forked while its parent was building the index converts.

This is what gunicorn with ``--preload`` (or any pre-forking server) does to a warm-up begun before the fork. Each
case runs in a fresh interpreter, so that the index is not already built by another test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import os, sys, time, json
    import django
    django.setup()
    from communes import address

    address.start_background_warm_up()
    deadline = time.monotonic() + 60
    while not address._lock.locked() and time.monotonic() < deadline:  # the thread is inside the warm-up
        time.sleep(0.0005)
    def imported():
        module = sys.modules.get("vietnam_address_converter.text")
        return module is not None and not getattr(module.__spec__, "_initializing", False)
    def importing():
        return any(name.startswith("vietnam_address_converter") for name in sys.modules) and not imported()
    wanted = importing if sys.argv[1] == "import" else imported  # the package half imported, or its index building
    while not wanted() and time.monotonic() < deadline:
        time.sleep(0.0002)
    assert wanted(), f"could not fork at the moment {sys.argv[1]!r}"
    assert address._lock.locked() and not address._ready.is_set(), "the warm-up had not begun, or had finished"
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: only this thread exists here
        os.close(reader)
        try:
            result = address.convert_text("Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình")
            answer = {"ok": True, "ward": result["converted"]["ward"]["name"]}
        except Exception as exc:
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        os.write(writer, json.dumps(answer, ensure_ascii=False).encode())
        os._exit(0)
    os.close(writer)
    chunks = []
    while chunk := os.read(reader, 65536):
        chunks.append(chunk)
    os.waitpid(pid, 0)
    address._ready.wait(120)
    parent = address.convert_text("Xã Độc Lập, Thành phố Hòa Bình, Tỉnh Hòa Bình")
    print(json.dumps({"parent_ward": parent["converted"]["ward"]["name"]}, ensure_ascii=False))
    print(b"".join(chunks).decode())
    """
)


@pytest.mark.xdist_group("address-converter")
@pytest.mark.parametrize("moment", ["import", "index"])
def test_a_child_forked_during_the_warm_up_still_converts(moment):
    """Forked while the parent's thread imports the package (``import``: the child finds it half initialised), or
    while it builds the index (``index``)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DJANGO_ENV": "test",
        "ADDRESS_CONVERTER_PRELOAD": "1",
        # long enough for the child's own build on a busy machine; without the fork handling the child would wait
        # this long for a thread that does not exist in it, then fail
        "ADDRESS_CONVERTER_WAIT_SECONDS": "120",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, moment], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parent, child = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert child["ok"], child["error"] + "\n" + result.stderr[-3000:]
    assert child["ward"] == parent["parent_ward"]  # the same answer as the process that was never forked


def test_wsgi_starts_nothing_and_the_gunicorn_worker_hook_starts_the_warm_up():
    script = textwrap.dedent(
        """
        import runpy, threading
        import portal.wsgi, portal.asgi
        from communes import address
        names = lambda: {t.name for t in threading.enumerate()}
        print("after import:", address._started, "address-converter-warm-up" in names())
        hooks = runpy.run_path("gunicorn.conf.py")
        hooks["post_worker_init"](None)
        print("after hook:", address._started, "address-converter-warm-up" in names())
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DJANGO_ENV": "test"}
    env["ADDRESS_CONVERTER_PRELOAD"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "after import: False False" in result.stdout
    assert "after hook: True True" in result.stdout
