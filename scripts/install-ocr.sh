#!/usr/bin/env bash
# What OCR needs from Debian: OpenCV's shared libraries (libGL, GLib; rapidocr-onnxruntime depends
# on opencv-python) and the Noto CJK fonts the OCR tests and benchmark render pages with.
# The OCR models themselves come inside the rapidocr-onnxruntime wheel (requirements.txt).
set -euo pipefail
if ldconfig -p 2>/dev/null | grep -q "libGL.so.1 " && ldconfig -p | grep -q "libglib-2.0.so.0 " \
   && fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq libgl1 libglib2.0-0 fonts-noto-cjk fontconfig >/dev/null
else
  echo "跳过 OCR 系统库安装：需要 root 和 apt-get（请手动安装 libgl1 libglib2.0-0 fonts-noto-cjk）" >&2
fi
