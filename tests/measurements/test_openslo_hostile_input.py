"""OpenSLO import against hostile files: alias bombs, deep nesting and oversized bodies are
refused with a 400 that says why, quickly, before anything is expanded."""

import time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import Service
from tests.conftest import api_as

from .test_openslo_api import post_yaml
from .test_openslo_import import FILE

MAX_FILE_CHARS = 1024 * 1024  # apps.measurements.openslo.documents.MAX_FILE_CHARS


def alias_key_bomb(levels: int) -> str:
    """Billion laughs whose last alias is a mapping key, so that naming the key expands it."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        items = ",".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{items}]")
    lines.append(f"? *a{levels - 1}\n: x")
    return "apiVersion: openslo/v1\nkind: Service\n" + "\n".join(lines) + "\n"


def timed_post(client, text):
    started = time.perf_counter()
    response = post_yaml(client, text)
    return response, time.perf_counter() - started


@pytest.mark.parametrize("levels", [6, 7])
def test_an_alias_bomb_is_refused_at_once(bob, levels):
    bomb = alias_key_bomb(levels)
    assert len(bomb) < 450

    response, elapsed = timed_post(api_as(bob), bomb)

    assert response.status_code == 400
    assert response.json()["yaml"] == [
        "line 4: not valid YAML: aliases (*a0) are not accepted; write the value out"
    ]
    assert len(response.content) < 1000
    assert elapsed < 0.5
    assert not Service.objects.exists()


def test_a_structured_key_is_refused_without_being_written_out(bob):
    text = FILE.replace("kind: Service\n", "kind: Service\n? [a, b]\n: x\n", 1)

    response = post_yaml(api_as(bob), text)

    assert response.status_code == 400
    assert "a key must be a string, not a list or mapping" in " ".join(response.json()["yaml"])


@pytest.mark.parametrize("depth", [1000, 500_000])
def test_deep_nesting_is_a_400_not_a_crash(bob, depth):
    deep = "apiVersion: openslo/v1\nkind: Service\nspec: " + "[" * depth + "]" * depth + "\n"

    response, elapsed = timed_post(api_as(bob), deep)

    assert response.status_code == 400
    assert response.json()["yaml"] == ["line 3: not valid YAML: nested deeper than 32 levels"]
    assert elapsed < 0.5


def test_an_oversized_body_is_refused_before_parsing(bob):
    text = FILE + "#" * (MAX_FILE_CHARS + 1) + "\n"

    response, elapsed = timed_post(api_as(bob), text)

    assert response.status_code == 400
    assert response.json() == {
        "detail": f"The file is larger than {MAX_FILE_CHARS} bytes; split it."
    }
    assert elapsed < 0.5
    assert not Service.objects.exists()


def test_the_command_refuses_bombs_and_oversized_files(tmp_path, payments_team):
    bomb, big = tmp_path / "bomb.yaml", tmp_path / "big.yaml"
    bomb.write_text(alias_key_bomb(7))
    big.write_text(FILE + "#" * MAX_FILE_CHARS + "\n")

    with pytest.raises(CommandError, match=r"aliases \(\*a0\) are not accepted"):
        call_command("import_openslo", str(bomb), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="the file is larger than"):
        call_command("import_openslo", str(big), stdout=StringIO(), stderr=StringIO())
    assert not Service.objects.exists()
