"""Where documents are kept: files under MEDIA_ROOT by default, an S3-compatible bucket when the
production environment says DOCUMENTS_STORAGE=s3 (credentials come from the environment)."""

import pytest

from tests.core.test_production_settings import _run

SHOW_STORAGE = (
    "import django; django.setup(); from django.core.files.storage import storages; "
    "storage = storages['documents']; print(type(storage).__module__, type(storage).__name__); "
    "print(getattr(storage, 'bucket_name', '-'), getattr(storage, 'endpoint_url', '-'), "
    "getattr(storage, 'default_acl', '-'), getattr(storage, 'file_overwrite', '-'))"
)


def test_production_keeps_documents_in_local_files_by_default():
    result = _run("-c", SHOW_STORAGE)
    assert result.returncode == 0, result.stderr
    backend = result.stdout.splitlines()[-2]
    assert backend == "django.core.files.storage.filesystem FileSystemStorage"


def test_production_selects_the_s3_backend_when_the_environment_says_so():
    result = _run(
        "-c",
        SHOW_STORAGE,
        DOCUMENTS_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="covenant-documents",
        AWS_S3_ENDPOINT_URL="https://objects.example.com",
    )
    assert result.returncode == 0, result.stderr
    backend, options = result.stdout.splitlines()[-2:]
    assert backend == "storages.backends.s3 S3Storage"
    assert options == "covenant-documents https://objects.example.com private False"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"DOCUMENTS_STORAGE": "s3"}, "AWS_STORAGE_BUCKET_NAME"),
        ({"DOCUMENTS_STORAGE": "ftp"}, "DOCUMENTS_STORAGE must be local or s3, not 'ftp'."),
    ],
)
def test_a_storage_that_cannot_work_stops_the_start(env, complaint):
    result = _run("-c", SHOW_STORAGE, **env)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_the_deploy_checks_pass_with_documents_in_s3():
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DOCUMENTS_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="covenant-documents",
    )
    assert result.returncode == 0, result.stdout + result.stderr
