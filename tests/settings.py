"""Settings for the test run and the uvicorn processes it starts."""

import os

os.environ.setdefault("DEBUG", "1")
# Uploads of this run, shared with the servers it starts (they inherit it).
os.environ.setdefault(
    "MEDIA_ROOT",
    os.path.join(os.path.dirname(__file__), "artifacts", f"media-{os.getpid()}"),
)

from site_config.settings import *  # noqa: E402, F403
from site_config.settings import (  # noqa: E402
    BASE_DIR,
    DATABASES,
    LINK_PREVIEW_ALLOW_PRIVATE,
    LINK_PREVIEWS,
    STORAGES,
)

# The suite's servers read no linked pages unless a test serves them on
# loopback: every server on the test database would race for its links.
LINK_PREVIEWS = LINK_PREVIEWS and LINK_PREVIEW_ALLOW_PRIVATE  # noqa: F811

# PBKDF2's 1.5 M iterations would dominate the suite.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, so the uvicorn processes under test share the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}

# pytest-django runs with DEBUG off; hashed names would need collectstatic.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
