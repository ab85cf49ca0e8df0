"""Static file storage: hashed, compressed names, tolerant of package CSS that points at nothing."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class PortalStaticStorage(CompressedManifestStaticFilesStorage):
    def hashed_name(self, name, content=None, filename=None):
        try:
            return super().hashed_name(name, content, filename)
        except ValueError:
            # A front-end package's CSS may reference an image it does not ship (for a
            # component we do not use); leave that url() as written instead of failing.
            return name
