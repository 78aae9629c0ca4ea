#!/usr/bin/env bash
# Install and open the dashboard on the shipped default data (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
bash scripts/install-ocr.sh || echo "OCR 系统库安装失败：照片和扫描件暂时无法识别" >&2
exec .venv/bin/streamlit run dashboard.py "$@"
