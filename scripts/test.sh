#!/usr/bin/env bash
# Install everything the tests need (Python packages, Debian's chromium, CJK fonts and PostgreSQL) and run them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install-ocr.sh
bash scripts/install-postgres.sh || echo "PostgreSQL 安装失败：服务器存储的测试将被跳过" >&2
bash scripts/install-browser.sh || echo "浏览器安装失败：浏览器测试将被跳过" >&2
# a test file per worker, one worker per core (at most 4: each may start its own PostgreSQL,
# Streamlit servers and chromium); PYTEST_WORKERS=0 runs everything in this one process
cores=$(nproc 2>/dev/null || echo 2)
workers=${PYTEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}
set +e
.venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
code=$?
set -e
if [ "$code" = 5 ]; then
  echo "没有运行任何测试：视为失败" >&2
  exit 1
fi
exit "$code"
