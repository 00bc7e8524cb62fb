#!/usr/bin/env bash
# Ensures the real Centrifugo binary (pinned version) exists at .cache/bin/centrifugo,
# building it with `go install` on first use, and prints its absolute path on stdout.
# Go module/build caches are kept under .cache/go (module cache writable, so `rm -rf .cache` works).
# Release builds stamp the version via -ldflags; a plain `go install` would report
# v0.0.0, so we stamp it the same way (the module version is also checked via `go version -m`).
set -euo pipefail

CENTRIFUGO_VERSION="6.9.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.cache/bin"
BIN="$BIN_DIR/centrifugo"

log() { echo "centrifugo.sh: $*" >&2; }
die() { echo "centrifugo.sh: error: $*" >&2; exit 1; }

# Prints the version the binary reports (e.g. "6.9.1"), or nothing if it does not run.
bin_version() {
  "$BIN" version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true
}

# Prints the module version embedded by the Go toolchain (e.g. "v6.9.1"), or nothing.
mod_version() {
  go version -m "$BIN" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/centrifugal/centrifugo/v6" {print $3}' || true
}

if [[ -x "$BIN" && "$(bin_version)" == "$CENTRIFUGO_VERSION" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || die "go is not installed (needed to build centrifugo v$CENTRIFUGO_VERSION)"

mkdir -p "$BIN_DIR" "$ROOT/.cache/go/mod" "$ROOT/.cache/go/build"
log "building centrifugo v$CENTRIFUGO_VERSION with $(go version | awk '{print $3}') (first run takes a few minutes)"
start=$SECONDS
if ! GOBIN="$BIN_DIR" \
     GOMODCACHE="$ROOT/.cache/go/mod" \
     GOCACHE="$ROOT/.cache/go/build" \
     GOFLAGS="-mod=mod -modcacherw" \
     CGO_ENABLED=0 \
     go install -trimpath \
       -ldflags "-s -w -X github.com/centrifugal/centrifugo/v6/internal/build.Version=$CENTRIFUGO_VERSION" \
       "github.com/centrifugal/centrifugo/v6@v$CENTRIFUGO_VERSION" >&2; then
  die "go install github.com/centrifugal/centrifugo/v6@v$CENTRIFUGO_VERSION failed"
fi
log "built in $((SECONDS - start))s"

[[ -x "$BIN" ]] || die "go install succeeded but $BIN is missing"
got="$(bin_version)"
[[ "$got" == "$CENTRIFUGO_VERSION" ]] || die "$BIN reports version '${got:-?}', expected $CENTRIFUGO_VERSION"
mod="$(mod_version)"
[[ "$mod" == "v$CENTRIFUGO_VERSION" ]] || die "$BIN was built from module version '${mod:-?}', expected v$CENTRIFUGO_VERSION"

echo "$BIN"
