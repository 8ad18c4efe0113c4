"""TLS options of a provider: verification on or off, and an extra CA bundle.

requests wants a CA bundle as a file. The bundle (public certificates, stored encrypted
with the configuration) is written once per process into a private folder that is
removed when the process ends.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from pathlib import Path

from webapp.providers.base import ProviderSettings

_folder: Path | None = None
_files: dict[str, str] = {}


def verify_setting(settings: ProviderSettings) -> bool | str:
    """requests' verify: False, True, or the path of a file holding the extra CA bundle."""
    if not settings.verify_tls:
        return False
    if not settings.ca_bundle:
        return True
    digest = hashlib.sha256(settings.ca_bundle.encode()).hexdigest()
    path = _files.get(digest)
    if path is None or not Path(path).exists():
        target = _private_folder() / f"{digest}.pem"
        target.write_text(settings.ca_bundle)
        path = _files[digest] = str(target)
    return path


def _private_folder() -> Path:
    global _folder
    if _folder is None or not _folder.exists():
        _folder = Path(tempfile.mkdtemp(prefix="gitops-ca-"))  # mode 0700
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder
