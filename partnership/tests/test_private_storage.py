"""`STORAGES["private"]`: the filesystem by default, an S3-compatible bucket by setting, and
a clear refusal when the bucket is chosen without the packages it needs."""

import importlib.util

import environ
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

from partnership.settings import private_storage as config
from partnership.storage import PrivateFileSystemStorage


@pytest.fixture
def env(monkeypatch):
    for name in ("AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL", "AWS_S3_REGION_NAME"):
        monkeypatch.delenv(name, raising=False)
    return environ.Env()


@pytest.fixture
def with_storages_installed(monkeypatch):
    """As if the s3 extra were installed (the suite runs without it)."""
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: object() if name in ("storages", "boto3") else real(name, *args),
    )


def test_private_files_are_on_the_filesystem_under_private_media_root_by_default(
    settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    storage = storages["private"]

    assert isinstance(storage, PrivateFileSystemStorage)
    assert storage.location == str(tmp_path)
    assert config.private_storage("filesystem", environ.Env()) == config.FILESYSTEM


def test_an_s3_private_storage_without_django_storages_is_refused_clearly(env, monkeypatch):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "risk-documents")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name in ("storages", "boto3") else real(name, *args),
    )

    with pytest.raises(ImproperlyConfigured, match=r"PRIVATE_STORAGE=s3 needs django-storages"):
        config.private_storage("s3", env)
    with pytest.raises(ImproperlyConfigured, match=r"pip install '\.\[s3\]'"):
        config.private_storage("s3", env)


def test_an_s3_private_storage_is_the_bucket_the_environment_names(
    env, monkeypatch, with_storages_installed
):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "risk-documents")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://objects.example.org")

    chosen = config.private_storage("s3", env)

    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    options = chosen["OPTIONS"]
    assert options["bucket_name"] == "risk-documents"
    assert options["endpoint_url"] == "https://objects.example.org"
    assert options["region_name"] is None
    assert options["file_overwrite"] is False
    # Keys come from boto3's own chain, never from settings.
    assert not {"access_key", "secret_key"} & options.keys()


def test_an_s3_private_storage_needs_a_bucket_and_a_known_kind_is_required(
    env, with_storages_installed
):
    with pytest.raises(ImproperlyConfigured, match="AWS_STORAGE_BUCKET_NAME"):
        config.private_storage("s3", env)
    with pytest.raises(ImproperlyConfigured, match="PRIVATE_STORAGE must be one of"):
        config.private_storage("ftp", env)
