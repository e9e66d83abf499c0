"""Fetch the front-end files the app serves itself, pinned and checked, from the npm registry.

plotly.js comes as its *strict* bundle: the one built without ``new Function``,
so the Content Security Policy needs no ``unsafe-eval``. Python's plotly
package only ships the regular bundle, hence the registry.

Run by ``make install``; does nothing when the file is already there with the
pinned checksum. Exit status 1 with a message when the download fails or the
checksum differs.
"""
from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = os.environ.get("NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")

# (package, version, sha512 of the tarball as npm's "integrity", file in the tarball, destination)
ASSETS = [
    ("plotly.js-strict-dist-min", "4.1.1",
     "/M2gRAF8LeqafKIO/bUU+DQk7RlonVbwpPb2G/jZsfqCl/DttBfvF+wQfZ6vT9y9EKy47eDI/zfIWC/uA1L6TQ==",
     "package/plotly-strict.min.js", "static/vendor/plotly/plotly-strict-4.1.1.min.js"),
]


def fetch(package: str, version: str, integrity: str, member: str, destination: str) -> None:
    target = ROOT / destination
    stamp = target.with_suffix(target.suffix + ".sha512")
    if target.exists() and stamp.exists() and stamp.read_text() == integrity:
        return
    url = f"{REGISTRY}/{package}/-/{package.rsplit('/', 1)[-1]}-{version}.tgz"
    print(f">> fetching {package}@{version} from {REGISTRY}")
    with urllib.request.urlopen(url, timeout=120) as response:
        tarball = response.read()
    digest = base64.b64encode(hashlib.sha512(tarball).digest()).decode()
    if digest != integrity:
        raise SystemExit(f"error: {package}@{version}: sha512 {digest} is not the pinned {integrity}")
    with tarfile.open(fileobj=io.BytesIO(tarball)) as archive:
        content = archive.extractfile(member).read()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    stamp.write_text(integrity)


def main() -> int:
    try:
        for asset in ASSETS:
            fetch(*asset)
    except OSError as error:
        print(f"error: cannot fetch front-end files: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
