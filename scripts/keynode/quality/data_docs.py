"""Offline Great Expectations Data Docs: the site GX builds, made to load nothing over the network.

GX 1.24's Data Docs pages load Bootstrap, jQuery, Vega and Font Awesome from CDNs, so without internet
they render unstyled. :func:`build_data_docs` builds the site, copies every asset from the pinned npm
packages of ``gx/vendor`` (``npm ci``) into ``<site>/static/vendor/`` and rewrites each page to load
them from there; a remote reference without a local copy is an error (DataDocsAssetError).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from keynode.quality.gx_context import GX_ROOT

if TYPE_CHECKING:
    from great_expectations.data_context import FileDataContext

VENDOR_DIR = GX_ROOT / "vendor"
DATA_DOCS_SITE = "local_site"

#: mapped to the file of the exact same package version installed by `npm ci` in gx/vendor
#: (package.json pins them; the "@5"/"@6" Vega ranges resolve to the versions pinned there).
#: Values are (npm package directory under node_modules, file inside it).
CDN_ASSETS: dict[str, tuple[str, str]] = {
    "https://cdn.jsdelivr.net/npm/vega@5": ("vega", "build/vega.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-lite@5": ("vega-lite", "build/vega-lite.min.js"),
    "https://cdn.jsdelivr.net/npm/vega-embed@6": ("vega-embed", "build/vega-embed.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free", "css/all.min.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery", "dist/jquery.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js", "dist/umd/popper.min.js"),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap", "dist/js/bootstrap.min.js"),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap", "dist/css/bootstrap.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table", "dist/bootstrap-table.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table", "dist/bootstrap-table.min.css"),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.css"),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.0",
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker", "dist/js/bootstrap-datepicker.min.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker", "dist/css/bootstrap-datepicker.min.css"),
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css": (
        "@forevolve/bootstrap-dark", "dist/css/bootstrap-prefers-dark.css"),
}  # fmt: skip
#: Directories an asset loads relative to itself (Font Awesome's css/../webfonts/*).
CDN_ASSET_DIRS: dict[str, list[str]] = {"@fortawesome/fontawesome-free": ["webfonts"]}
#: GX's logos on S3 -> the copies GX itself ships in the site's static/images/ (no dark variant
#: exists locally; the dark-mode navbar logo falls back to the normal one).
GX_IMAGE_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_IMAGES = {"logo-long.png": "logo-long.png", "full_logo_dark.png": "logo-long.png"}

_URL = re.compile(r"""https?://[^\s"'()<>]+""", re.IGNORECASE)
_TAG_WITH_URL = re.compile(r"""<(?:script|link|img)\b[^>]*>""", re.IGNORECASE)
_ANCHOR = re.compile(r"""<a\b([^>]*?)\shref=(["'])(https?://[^"']*)\2([^>]*)>""", re.IGNORECASE)


class DataDocsAssetError(RuntimeError):
    """A Data Docs page references a remote asset keynode has no local copy of."""


def ensure_vendor_assets(vendor_dir: Path = VENDOR_DIR) -> Path:
    """``node_modules`` of gx/vendor; runs ``npm ci`` (npm registry) when it is missing or was
    installed from another package-lock.json."""
    modules = vendor_dir / "node_modules"
    stamp = modules / ".keynode-lock-sha256"
    want = hashlib.sha256((vendor_dir / "package-lock.json").read_bytes()).hexdigest()
    if not stamp.is_file() or stamp.read_text().strip() != want:
        npm = shutil.which("npm")
        if not npm:
            raise DataDocsAssetError(f"npm not found: run `npm ci` in {vendor_dir} (Data Docs assets)")
        proc = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=vendor_dir, capture_output=True, text=True,
        )  # fmt: skip
        if proc.returncode != 0:
            raise DataDocsAssetError(f"npm ci failed in {vendor_dir}:\n{proc.stderr[-2000:]}")
        stamp.write_text(want + "\n")
    return modules


def _license_file(package_dir: Path) -> Path | None:
    for name in ("LICENSE", "LICENSE.txt", "LICENSE.md", "license", "LICENCE"):
        if (package_dir / name).is_file():
            return package_dir / name
    return None


def _vendor_into_site(site_dir: Path, modules: Path) -> dict[str, Path]:
    """Copy every mapped asset (+ source map, sibling dirs, license) to <site>/static/vendor/;
    return {cdn url: local file}."""
    target_root = site_dir / "static" / "vendor"
    copied: dict[str, Path] = {}
    for url, (package, rel) in CDN_ASSETS.items():
        source = modules / package / rel
        if not source.is_file():
            raise DataDocsAssetError(f"{source} missing: run `npm ci` in {modules.parent}")
        target = target_root / package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
        source_map = source.with_name(source.name + ".map")
        if source_map.is_file():
            shutil.copy2(source_map, target.with_name(source_map.name))
        for sibling in CDN_ASSET_DIRS.get(package, []):
            shutil.copytree(modules / package / sibling, target_root / package / sibling, dirs_exist_ok=True)
        license_file = _license_file(modules / package)
        if license_file:
            shutil.copy2(license_file, target_root / package / license_file.name)
        copied[url] = target
    return copied


def _sri_ok(tag: str, local: Path) -> None:
    match = re.search(r"""integrity=["']sha(256|384|512)-([^"']+)["']""", tag)
    if match:
        digest = hashlib.new(f"sha{match.group(1)}", local.read_bytes()).digest()
        if base64.b64encode(digest).decode() != match.group(2):
            raise DataDocsAssetError(f"{local} does not match the integrity hash GX pins in: {tag}")


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(target, page.parent)).as_posix()


def localize_page(page: Path, site_dir: Path, assets: dict[str, Path]) -> int:
    """Rewrite one page so that it loads nothing over the network; return the number of changes.

    * CDN asset URLs -> relative paths into static/vendor/ (integrity verified against the local
      file, then integrity/crossorigin dropped: both would make a file:// page refuse the asset);
    * GX's S3 logos -> the site's own static/images/;
    * plain hyperlinks to the web (<a href="https://...">, e.g. "Powered by Great Expectations") keep
      their text but lose the href, so the page references no http(s) URL at all.
    Any other remote URL left is an error (DataDocsAssetError), so a GX upgrade cannot silently
    reintroduce a CDN dependency."""
    html = page.read_text(encoding="utf-8")
    changes = 0

    def tag_sub(match: re.Match[str]) -> str:
        nonlocal changes
        tag = match.group(0)
        for url in _URL.findall(tag):
            local = assets.get(url)
            if local is None:
                continue
            _sri_ok(tag, local)
            tag = tag.replace(url, _relative(local, page))
            tag = re.sub(r"""\s(?:integrity|crossorigin)=(["'])[^"']*\1""", "", tag)
            changes += 1
        return tag

    html = _TAG_WITH_URL.sub(tag_sub, html)

    def image_sub(match: re.Match[str]) -> str:
        nonlocal changes
        name = match.group(1)
        if name not in GX_IMAGES:
            return match.group(0)
        changes += 1
        return _relative(site_dir / "static" / "images" / GX_IMAGES[name], page)

    def static_sub(match: re.Match[str]) -> str:
        # GX computes "../" prefixes per page type and gets one wrong (validation pages point their
        # favicon one level short): re-anchor every relative static/ reference at the site root.
        nonlocal changes
        fixed = _relative(site_dir / "static" / match.group(3), page)
        changes += fixed != match.group(2)
        return f"{match.group(1)}{fixed}"

    html = re.sub(r"""((?:src|href)=["'])((?:\.\.?/)*static/([^"'?#]+))""", static_sub, html)

    html = re.sub(re.escape(GX_IMAGE_HOST) + r"""([\w.-]+)(?:\?[^"')\s]*)?""", image_sub, html)

    def anchor_sub(match: re.Match[str]) -> str:
        nonlocal changes
        changes += 1
        target = re.sub(r"^https?://", "", match.group(3).split("?")[0])
        return f'<a{match.group(1)} data-external-link="{target}"{match.group(4)}>'

    html = _ANCHOR.sub(anchor_sub, html)

    leftover = sorted(set(_URL.findall(html)))
    if leftover:
        raise DataDocsAssetError(f"{page}: remote references without a local copy: {leftover}")
    page.write_text(html, encoding="utf-8")
    return changes


def remote_references(site_dir: Path) -> dict[Path, list[str]]:
    """Every http(s) URL still present in the site's HTML pages (should be empty)."""
    found = {}
    for page in site_dir.rglob("*.html"):
        urls = _URL.findall(page.read_text(encoding="utf-8"))
        if urls:
            found[page] = sorted(set(urls))
    return found


def data_docs_dir(context: FileDataContext) -> Path:
    site = context.variables.config.data_docs_sites[DATA_DOCS_SITE]  # un-substituted template
    base = site["store_backend"]["base_directory"]
    return Path(context.config_provider.substitute_config(base)).resolve()


def build_data_docs(context: FileDataContext, *, vendor_dir: Path = VENDOR_DIR) -> Path:
    """Build the Data Docs site, make it work offline, and return the path of its index.html."""
    modules = ensure_vendor_assets(vendor_dir)
    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    site_dir = data_docs_dir(context)
    assets = _vendor_into_site(site_dir, modules)
    for page in sorted(site_dir.rglob("*.html")):
        localize_page(page, site_dir, assets)
    return site_dir / "index.html"
