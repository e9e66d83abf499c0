"""Fetch the front-end files the app serves itself, pinned and checked, from the npm registry.

plotly.js comes as its *basic* partial bundle (scatter, bar, pie: every chart
here), which, like the full "strict" bundle, holds no ``eval`` and no
``new Function``, so the Content Security Policy needs no ``unsafe-eval``
(tests/advisor/web/test_static_assets.py checks the file; the browser tests run
under the CSP). The full strict bundle is 5.2 MB and takes about 3 s to
evaluate in Chromium on the project's machines, against 0.7 s for this one's
1.2 MB (BENCHMARKS.md). Python's plotly package only ships the full regular
bundle, hence the registry.

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
    (
        "plotly.js-basic-dist-min",
        "4.1.1",
        "1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE775C4kkjMQ==",
        "package/plotly-basic.min.js",
        "static/vendor/plotly/plotly-basic-4.1.1.min.js",
    ),
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
