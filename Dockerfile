# The EventFlow image: the CLI and every service (`eventflow topics apply`, `eventflow serve …`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY src ./src
RUN pip install --no-cache-dir -c constraints.txt . && useradd --create-home eventflow
COPY topics.yaml ./
COPY schemas ./schemas
COPY rules ./rules
USER eventflow
ENTRYPOINT ["eventflow"]
CMD ["--help"]
