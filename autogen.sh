#!/bin/sh
# Regenerates the build system: configure, Makefile.in and libtool support.
set -e
cd "$(dirname "$0")"
autoreconf --install --force
