# RefBot's image: `docker compose up` (compose.yaml) runs it with PostgreSQL, migrating once first.
# The entry point is scripts/container.sh (start | migrate | health | any refbot command), which CI runs
# directly, outside the image (tests/test_deploy.py).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1

RUN useradd --system --uid 10001 --create-home --home-dir /home/refbot refbot \
    && mkdir -p /app /data && chown refbot /data
WORKDIR /app

# Dependencies first (cached until pyproject.toml or constraints.txt change), exact versions.
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY refbot/__init__.py ./refbot/__init__.py
RUN pip install -c constraints.txt . && pip uninstall -y refbot && rm -rf refbot build *.egg-info

COPY alembic.ini manifest.yml ./
COPY migrations ./migrations
COPY refbot ./refbot
COPY scripts/container.sh ./scripts/container.sh
# Editable: the migrations stay next to the package (refbot/db.py finds them there).
RUN pip install --no-deps -e . && chmod +x scripts/container.sh

USER refbot
# Every interface inside the container: the port is published by compose or the orchestrator.
ENV REFBOT_HOST=0.0.0.0 PORT=3000 DATABASE_URL=sqlite:////data/refbot.db
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["/app/scripts/container.sh", "health"]
ENTRYPOINT ["/app/scripts/container.sh"]
CMD ["start"]
