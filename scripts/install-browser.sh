#!/usr/bin/env bash
# Debian's Chromium and CJK fonts, for the real-browser tests and PNG exports. Needs root + apt.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
else
  echo "跳过浏览器安装：需要 root 和 apt-get（浏览器测试将被跳过）" >&2
fi
