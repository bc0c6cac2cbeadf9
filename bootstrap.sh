#!/bin/sh
# bootstrap.sh - set up a build of etlkit in this directory.
#
#   ./bootstrap.sh [--install-deps] [CONFIGURE-ARGS...]
#
# --install-deps installs the Debian/Ubuntu packages the build needs (with
# sudo when not run as root).  Then the build system is generated, configured
# with the remaining arguments, and built.
set -eu
cd "$(dirname "$0")"
if [ "${1:-}" = --install-deps ]; then
	shift
	SUDO=
	[ "$(id -u)" = 0 ] || SUDO=sudo
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends \
		build-essential autoconf automake libtool pkg-config \
		libsqlite3-dev zlib1g-dev libexpat1-dev libarchive-dev \
		python3 sqlite3 groff-base
fi
autoreconf -fi
./configure "$@"
make -j"$(nproc 2>/dev/null || echo 2)"
