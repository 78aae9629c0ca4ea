#!/usr/bin/env bash
# Install and open the dashboard on the shipped default data (http://localhost:8501).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/streamlit run dashboard.py "$@"
