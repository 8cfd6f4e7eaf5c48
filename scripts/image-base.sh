#!/usr/bin/env bash
# A stand-in for debian:bookworm-slim where no registry is reachable: Debian bookworm's minimal
# base system (debootstrap --variant=minbase, what the official slim image is made from), trimmed
# as the slim image is (no documentation but the copyright files, no manuals, no locales, no apt
# lists or cached .deb files), as one root file system tarball.
# Kept in .cache/images/debian-bookworm-minbase-<key>.tar, <key> being this script's sha256: it is
# built once per version of this script (about a minute, from the Debian mirror); delete it to take
# Debian's newer security updates. Prints the tarball's path. Needs root and debootstrap
# (scripts/setup.sh installs it). scripts/docker-build.sh imports it when podman builds the images
# and debian:bookworm-slim is neither present nor pullable.
# usage: scripts/image-base.sh   (MIRROR=http://deb.debian.org/debian by default)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[image-base] %s\n' "$*" >&2; }

key=$(sha256sum scripts/image-base.sh | cut -c1-12)
cache=.cache/images
out="$cache/debian-bookworm-minbase-$key.tar"
if [ -f "$out" ]; then
  echo "$out"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] ||
  { echo "[image-base] needs debootstrap (scripts/setup.sh installs it)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "[image-base] needs root (debootstrap)" >&2; exit 1; }

mkdir -p "$cache"
rootfs=$(mktemp -d "$cache/rootfs.XXXXXX")
trap 'rm -rf "$rootfs"' EXIT
log "debootstrap --variant=minbase bookworm (once per version of this script)"
PATH="$PATH:/usr/sbin:/sbin" debootstrap --variant=minbase bookworm "$rootfs" \
  "${MIRROR:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 ||
  { tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

# What the slim image leaves out (keeping each package's copyright file).
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/{man,info,locale}/* "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/lib/dpkg/*-old \
  "$rootfs"/var/log/*.log
# The host's resolver and name stay out of the image (the container engine provides them).
: >"$rootfs/etc/resolv.conf"
echo localhost >"$rootfs/etc/hostname"

tar -C "$rootfs" --numeric-owner -cf "$out.tmp" .
mv "$out.tmp" "$out"
log "$out ($(du -m "$out" | cut -f1) MB)"
echo "$out"
