FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ADVOCATE_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY advocate ./advocate
COPY tasks ./tasks
COPY templates ./templates
COPY migrations ./migrations
COPY gunicorn.conf.py ./
RUN pip install --no-cache-dir -e . && useradd --system --uid 10001 advocate \
    && mkdir -p /data && chown advocate /data
USER advocate
EXPOSE 8000
CMD ["gunicorn", "--workers", "2", "--worker-class", "gthread", "--threads", "4", \
     "--bind", "0.0.0.0:8000", "advocate:create_app()"]
