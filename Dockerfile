# The EventFlow image: the CLI and every service, each run as its own container:
#   eventflow serve api | validator | enricher | writer, eventflow registry serve,
#   and the one-shot eventflow topics apply / eventflow schema register.
# Runs as the unprivileged user 10001 (no root at run time). The `aws` extra brings
# Amazon MSK IAM authentication. Example deployment on Amazon ECS: deploy/aws/ecs/.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c constraints.txt ".[aws]" \
    && groupadd --gid 10001 eventflow \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin eventflow
COPY topics.yaml ./
COPY schemas ./schemas
COPY rules ./rules
USER 10001:10001
# Each service answers on its own port; set EVENTFLOW_HEALTH_URL per container (the API's
# /healthz is the default; the stages' http://127.0.0.1:910x/health, the registry's
# http://127.0.0.1:8081/subjects). Orchestrators (ECS, Kubernetes) run their own checks too.
ENV EVENTFLOW_HEALTH_URL=http://127.0.0.1:8080/healthz
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(os.environ['EVENTFLOW_HEALTH_URL'], timeout=3)"]
ENTRYPOINT ["eventflow"]
CMD ["--help"]
