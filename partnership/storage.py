"""File storages: static files (hashed, compressed names, tolerant of package CSS that points
at nothing), and private files on the filesystem (PRIVATE_MEDIA_ROOT, never given a URL)."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PortalStaticStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            # A front-end package's CSS may reference an image it does not ship (for a
            # component we do not use); leave that url() as written instead of failing.
            return name


class PrivateFileSystemStorage(FileSystemStorage):
    """`STORAGES["private"]` on the filesystem: under PRIVATE_MEDIA_ROOT (or `location`),
    outside the web root. Files are served only by views that check who asks, so they
    have no URL."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("Private files have no URL: a view that checks access serves them")
