# The dashboard's image: one Streamlit app process per container (compose.yaml runs two behind
# Caddy). Debian bookworm, the distribution the project is tested on.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# chromium: the chart images of the PNG / PPT exports (kaleido drives it, found via BROWSER_PATH);
# fonts-noto-cjk + fontconfig: Chinese in those images and in the OCR of photos and scans;
# libgl1, libglib2.0-0: OpenCV's shared libraries (OCR). Same packages as scripts/install-*.sh.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-noto-cjk fontconfig libgl1 libglib2.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so that a code change does not reinstall them (one list: requirements.txt)
COPY requirements.txt .
RUN python -m pip install -r requirements.txt

COPY . .
# An unprivileged user owns only what the app writes: the embedded store's folder (/data, a
# volume in compose.yaml; unused while DASHBOARD_DATABASE_URL names a database)
RUN useradd --create-home --uid 10001 dashboard \
 && mkdir -p /data \
 && chown dashboard:dashboard /data
USER dashboard

ENV BROWSER_PATH=/usr/bin/chromium \
    DASHBOARD_DATA_DIR=/data \
    STREAMLIT_SERVER_PORT=8501 \
    STREAMLIT_SERVER_ADDRESS=0.0.0.0 \
    STREAMLIT_SERVER_HEADLESS=true

EXPOSE 8501
# Streamlit's own health endpoint; no curl in the image, Python asks it
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4)"]

CMD ["streamlit", "run", "dashboard.py"]
