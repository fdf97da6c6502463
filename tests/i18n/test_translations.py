"""French is the platform's default language: every catalog is complete, correct and used.

The catalogs are `src/datapolis/<app>/locale/fr/LC_MESSAGES/django.po` for the Django apps
and `src/datapolis/locale/...` for the plain packages (ingest, settings...). The install
step compiles them; the `compiled` fixture compiles again any `.mo` older than its `.po`
(a catalog edited since), so the pages below render with the catalogs of the work tree.

New strings: from each app folder `django-admin makemessages -l fr --no-obsolete --no-wrap
--settings=datapolis.settings`, and from src/datapolis the same with `-i access -i audit -i portals -i frontoffice
-i backoffice -i catalog -i jobs -i harvest -i sources` (the plain packages' catalog); translate, then
`compilemessages`.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.translation.reloader import translation_file_changed

from datapolis.access.models import PublisherRole
from datapolis.portals.services import default_portal
from tests.backoffice.conftest import start_upload

SOURCE = Path(__file__).resolve().parents[2] / "src" / "datapolis"
CATALOGS = sorted(SOURCE.glob("**/locale/*/LC_MESSAGES/django.po"))
# The Django apps with a locale folder.
APPS = ["access", "audit", "portals", "frontoffice", "backoffice", "catalog", "jobs", "harvest", "sources"]

# %(name)s, %s, %d, %02X... and %% in python-format strings
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifxXeEgGcr%]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def catalog_id(path: Path) -> str:
    return str(path.relative_to(SOURCE))


@pytest.fixture(scope="session")
def compiled() -> None:
    """Compile the catalogs whose .mo is missing or older than the .po (one test worker at a time)."""
    lock_path = Path(tempfile.gettempdir()) / "datapolis-compilemessages.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cwd = os.getcwd()
        os.chdir(SOURCE)  # compilemessages compiles the locale folders under the current one
        try:
            call_command("compilemessages", verbosity=0)  # skips the .mo files that are up to date
        finally:
            os.chdir(cwd)
    # Catalogs this process loaded before are read again (what the development server does when a .mo changes).
    translation_file_changed(sender=None, file_path=SOURCE / "locale" / "django.mo")


def test_every_app_and_the_plain_packages_have_a_french_catalog():
    expected = {f"{app}/locale/fr/LC_MESSAGES/django.po" for app in APPS} | {"locale/fr/LC_MESSAGES/django.po"}
    assert expected <= {catalog_id(path) for path in CATALOGS}


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_a_catalog_compiles_and_is_complete(path: Path):
    check = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr

    catalog = polib.pofile(str(path))
    assert catalog.metadata["Language"] == "fr"
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert not catalog.metadata_is_fuzzy
    assert [entry.msgid for entry in catalog.untranslated_entries()] == []
    assert [entry.msgid for entry in catalog.fuzzy_entries()] == []
    assert [entry.msgid for entry in catalog.obsolete_entries()] == []


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(source, translation) pairs: msgstr[0] pairs with msgid, msgstr[1] with msgid_plural."""
    if entry.msgid_plural:
        return [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
    return [(entry.msgid, entry.msgstr)]


@pytest.mark.parametrize("path", CATALOGS, ids=catalog_id)
def test_translations_keep_placeholders_and_tags_and_use_french_typography(path: Path):
    problems = []
    for entry in polib.pofile(str(path)).translated_entries():
        for source, french in translations(entry):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(french)):
                problems.append(("placeholders", source, french))
            if sorted(TAG.findall(source)) != sorted(TAG.findall(french)):
                problems.append(("HTML tags", source, french))
            if re.search(r"\w'\w", french):
                problems.append(("apostrophe ’", source, french))
            if re.search(r" [:;!?»]|« ", french) or re.search(r"\w[;!?»]", french):
                problems.append(("non-breaking space before : ; ! ? » and after «", source, french))
            if "“" in french or "”" in french:
                problems.append(("« guillemets »", source, french))
    assert problems == []


def test_django_uses_each_translation_as_written(compiled):
    """Every app's catalog is merged into one: a msgid translated twice, or by Django's own
    catalogs (the admin's comes first), would show another French text than ours."""
    problems = []
    with translation.override("fr"):
        for path in CATALOGS:
            for entry in polib.pofile(str(path)).translated_entries():
                if entry.msgid_plural:
                    shown = [
                        translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                        if entry.msgctxt
                        else translation.ngettext(entry.msgid, entry.msgid_plural, n)
                        for n in (1, 2)
                    ]
                    expected = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
                else:
                    shown = (
                        translation.pgettext(entry.msgctxt, entry.msgid)
                        if entry.msgctxt
                        else translation.gettext(entry.msgid)
                    )
                    expected = entry.msgstr
                if shown != expected:
                    problems.append((catalog_id(path), entry.msgid, expected, shown))
    assert problems == []


@pytest.mark.slow
def test_the_catalogs_hold_every_string_of_the_code(tmp_path: Path):
    """makemessages, run on a copy of the code as the catalogs were made, finds no new string."""
    copy = tmp_path / "datapolis"
    shutil.copytree(
        SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.mo", "*.pyc", "*.lark", "*.json")
    )
    django_admin = [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-obsolete", "-v", "0"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "datapolis.settings"}
    for app in APPS:
        subprocess.run(django_admin, cwd=copy / app, env=env, check=True)
    ignored = [option for app in APPS for option in ("-i", app)]
    subprocess.run([*django_admin, *ignored], cwd=copy, env=env, check=True)

    missing = {}
    for path in CATALOGS:
        committed = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path))}
        found = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(copy / path.relative_to(SOURCE)))}
        if found - committed:
            missing[catalog_id(path)] = sorted(found - committed, key=str)
    assert missing == {}, "run makemessages (see this module's docstring) and translate the new strings"


# -- The pages -----------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


@pytest.fixture
def agent_client(db, settings, tmp_path, compiled) -> Client:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    default_portal("testserver")
    user = User.objects.create_user("agent", password=PASSWORD)
    PublisherRole.objects.create(user=user, organisation="Ville de Testville")
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, path: str, language: str | None = None) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    response = client.get(path, **headers)
    assert response.status_code == 200, path
    return response.content.decode()


FRENCH = {
    "/": ["Trouvez, explorez et réutilisez 0 jeu de données du territoire.", "Derniers jeux de données",
          "Aucun jeu de données n’a encore été publié.", "Tous les jeux de données", "Propulsé par Datapolis"],
    "/catalog/": ["0 jeu de données", "Trier par", "Dernière modification",
                  "Aucun jeu de données ne correspond. Essayez d’autres mots ou retirez un filtre."],
    "/backoffice/": ["Espace de publication", "Mes jeux de données", "Nouveau jeu de données",
                     "Vous n’avez encore aucun jeu de données.", "Se déconnecter"],
}  # fmt: skip
ENGLISH = {
    "/": ["Find, explore and reuse 0 datasets of the territory.", "Latest datasets",
          "No dataset has been published yet.", "All datasets", "Powered by Datapolis"],
    "/catalog/": ["0 datasets", "Sort by", "Last modified", "No dataset matches. Try other words or remove a filter."],
    "/backoffice/": ["Back office", "My datasets", "New dataset", "You have no dataset yet.", "Sign out"],
}  # fmt: skip


def texts_of(path: Path) -> list[tuple[str, str]]:
    """(English, French) sentences of a catalog, those of a few words that differ in French."""
    pairs = []
    for entry in polib.pofile(str(path)).translated_entries():
        for source, french in translations(entry):
            if source != french and len(source.split()) >= 3 and "%" not in source and "<" not in source:
                pairs.append((source, french))
    return pairs


@pytest.mark.parametrize("path", list(FRENCH))
def test_pages_are_in_french_by_default_and_in_english_on_request(agent_client, catalog_store, path):
    french = page(agent_client, path)
    english = page(agent_client, path, "en")

    assert '<html lang="fr">' in french and '<html lang="en">' in english
    for text in FRENCH[path]:
        assert text in french
    for text in ENGLISH[path]:
        assert text in english

    pairs = [pair for catalog in CATALOGS for pair in texts_of(catalog)]
    assert [source for source, _ in pairs if source in french] == []
    assert [text for _, text in pairs if text in english] == []


def test_a_file_problem_is_explained_in_french_in_the_back_office(agent_client, catalog_store, tmp_path):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("commune;population\nMeudon;45000\nClamart;52000;en trop\nSèvres;23000\n", encoding="utf-8")

    upload_id = start_upload(agent_client, ragged)
    french = page(agent_client, f"/backoffice/uploads/{upload_id}/preview/")
    english = page(agent_client, f"/backoffice/uploads/{upload_id}/preview/", "en")

    assert "Le fichier ne peut pas être lu en l’état" in french
    assert "Ligne 3, colonne 3</strong>\u00a0: Cette ligne compte 3 cellules alors que l’en-tête en compte 2." in french
    assert "Que faire\u00a0:" in french and "choisissez vous-même le séparateur" in french
    assert "Line 3, column 3</strong>: This row has 3 cells where the header has 2." in english
    assert "What to do:" in english
