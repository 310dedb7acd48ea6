#!/usr/bin/env bash
# Installs the Debian packages casesd builds and tests with, when missing.
# Safe to run again: it asks apt only when something is absent.
set -euo pipefail

packages=(
  build-essential pkg-config
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libssl-dev uuid-dev libpcre2-dev libpq-dev
  wrk
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

for tool in python3 node npm; do
  command -v "$tool" >/dev/null || { echo "missing $tool on PATH" >&2; exit 1; }
done
python3 -c 'import boto3, botocore' || { echo "python3 needs boto3 and botocore" >&2; exit 1; }
