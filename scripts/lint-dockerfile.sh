#!/usr/bin/env bash
# Lints the Dockerfile with dockerfilelint (from npm), as no Docker engine is needed for that.
# The tool is installed once into build/tools/dockerfilelint (nothing global, no package.json
# touched). Exits non-zero on any finding.
#   scripts/lint-dockerfile.sh [DOCKERFILE]
set -euo pipefail
cd "$(dirname "$0")/.."
dockerfile="${1:-Dockerfile}"
tool_dir="${DOCKERFILELINT_DIR:-$PWD/build/tools/dockerfilelint}"
version="1.8.0"

if ! command -v npm >/dev/null; then
  echo "lint-dockerfile: npm is needed (apt-get install npm)" >&2
  exit 2
fi
lint="$tool_dir/node_modules/.bin/dockerfilelint"
if [ ! -x "$lint" ]; then
  mkdir -p "$tool_dir"
  npm install --prefix "$tool_dir" --no-save --no-audit --no-fund --loglevel=error "dockerfilelint@$version" >/dev/null
fi
# dockerfilelint 1.8 predates `FROM --platform=...` and takes the flag for the image name (then
# "missing tag"): it reads a copy without the flag, line for line the same.
copy="$(mktemp -d)/Dockerfile"
trap 'rm -rf "$(dirname "$copy")"' EXIT
sed -E 's/^(FROM[[:space:]]+)--platform=[^[:space:]]+[[:space:]]+/\1/I' "$dockerfile" >"$copy"
# dockerfilelint's exit status is the number of findings.
"$lint" "$copy"
echo "lint-dockerfile: $dockerfile: no findings"
