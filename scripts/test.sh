#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium, CJK fonts and PostgreSQL) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install-ocr.sh
bash scripts/install-postgres.sh || echo "PostgreSQL 安装失败：服务器存储的测试将被跳过" >&2
bash scripts/install-browser.sh || echo "浏览器安装失败：浏览器测试将被跳过" >&2
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
  echo "没有运行任何测试：视为失败" >&2
  exit 1
fi
exit "$code"
