#!/usr/bin/env bash
# Rebuild the vendored front-end files from pinned npm packages.
#
# Run from the repository root:  bash assets/build.sh
#
# Needs Node.js and npm, but only to refresh these files: the app and its
# tests use the committed outputs and never need Node.
#
# Outputs (nothing else is written):
#   static/vendor/htmx-2.0.11.min.js
#   static/govuk/govuk-frontend-6.3.0.min.js
#   static/govuk/alongside-6.3.0.min.css   (compiled from assets/app.scss)
#   tests/browser/vendor/axe-4.14.1.min.js
#
# GOV.UK fonts and the crown/crest images are deliberately not copied:
# Alongside is not a GOV.UK service and uses Arial.
set -euo pipefail

HTMX_VERSION=2.0.11
GOVUK_FRONTEND_VERSION=6.3.0
AXE_VERSION=4.14.1
SASS_VERSION=1.108.2

if [[ ! -f assets/app.scss || ! -f assets/build.sh ]]; then
  echo "Run this from the repository root: bash assets/build.sh" >&2
  exit 1
fi

for tool in npm node tar; do
  command -v "$tool" >/dev/null 2>&1 || { echo "$tool is required" >&2; exit 1; }
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "Fetching packages with npm pack..."
(
  cd "$tmp"
  npm pack --silent \
    "htmx.org@${HTMX_VERSION}" \
    "govuk-frontend@${GOVUK_FRONTEND_VERSION}" \
    "axe-core@${AXE_VERSION}" >/dev/null
)

unpack() {  # unpack <tarball> <name>: extracts into $tmp/pkgs/<name>
  mkdir -p "$tmp/pkgs/$2"
  tar -xzf "$tmp/$1" -C "$tmp/pkgs/$2" --strip-components=1
}
unpack "htmx.org-${HTMX_VERSION}.tgz" htmx.org
unpack "govuk-frontend-${GOVUK_FRONTEND_VERSION}.tgz" govuk-frontend
unpack "axe-core-${AXE_VERSION}.tgz" axe-core

echo "Installing sass@${SASS_VERSION}..."
npm install --no-save --prefix "$tmp/sass" --no-audit --no-fund \
  --ignore-scripts --omit=optional --loglevel=error \
  "sass@${SASS_VERSION}" >/dev/null
sass="$tmp/sass/node_modules/.bin/sass"

govuk="$tmp/pkgs/govuk-frontend"

mkdir -p static/vendor static/govuk tests/browser/vendor

cp "$tmp/pkgs/htmx.org/dist/htmx.min.js" "static/vendor/htmx-${HTMX_VERSION}.min.js"
cp "$govuk/dist/govuk/govuk-frontend.min.js" \
  "static/govuk/govuk-frontend-${GOVUK_FRONTEND_VERSION}.min.js"
cp "$tmp/pkgs/axe-core/axe.min.js" "tests/browser/vendor/axe-${AXE_VERSION}.min.js"

echo "Compiling assets/app.scss..."
# --load-path is the folder holding the unpacked govuk-frontend package, so
# app.scss can say: @use "govuk-frontend/dist/govuk" ...
"$sass" --no-source-map --style=compressed \
  --load-path="$tmp/pkgs" \
  assets/app.scss "static/govuk/alongside-${GOVUK_FRONTEND_VERSION}.min.css"

css="static/govuk/alongside-${GOVUK_FRONTEND_VERSION}.min.css"
if grep -q "GDS Transport" "$css"; then
  echo "error: $css still mentions GDS Transport" >&2
  exit 1
fi

echo "Done:"
ls -l "static/vendor/htmx-${HTMX_VERSION}.min.js" \
  "static/govuk/govuk-frontend-${GOVUK_FRONTEND_VERSION}.min.js" \
  "$css" \
  "tests/browser/vendor/axe-${AXE_VERSION}.min.js"
