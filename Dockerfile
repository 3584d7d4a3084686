# syntax=docker/dockerfile:1
# cognito-sso-operator image.
#   docker build -t cognito-sso-operator:0.1.0 .
#   docker build --build-arg EXTRAS=aws -t cognito-sso-operator:0.1.0-aws .   # with boto3 (AWS API checks)
#
# Stage 1 builds the project's wheel and the wheels of its dependencies; stage 2 installs only those
# wheels, offline, into a slim Python without pip, compilers or the source tree, and runs as user 10001.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ARG EXTRAS=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY operator/ operator/
# Our wheel plus every dependency as a wheel (all of them publish manylinux wheels: no compiler needed).
RUN python -m pip wheel --wheel-dir /wheels ".${EXTRAS:+[$EXTRAS]}" \
    && ls /wheels

FROM ${PYTHON_IMAGE}
ARG EXTRAS=""
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="cognito-sso-operator" \
      org.opencontainers.image.description="Kubernetes operator that manages AWS Cognito SSO for OpenMetadata" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install from the builder's wheels only (no index), then drop pip/setuptools/wheel: nothing in the final
# image can build or fetch packages. The wheels are bind-mounted, so they never land in a layer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m pip install --no-index --find-links=/wheels "cognito-sso-operator${EXTRAS:+[$EXTRAS]}==${VERSION}" \
    && python -m pip uninstall --yes pip setuptools wheel \
    && groupadd --system --gid 10001 operator \
    && useradd --system --uid 10001 --gid 10001 --home-dir /home/operator --create-home \
       --shell /usr/sbin/nologin operator \
    && cognito-sso-operator --version

USER 10001:10001
WORKDIR /home/operator
# 8080: Prometheus metrics (/metrics). 8081: kopf liveness (/healthz).
EXPOSE 8080 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8081/healthz', timeout=4)"]

ENTRYPOINT ["cognito-sso-operator", "run"]
# Default arguments; the Helm chart replaces them (-A or -n per namespace, --liveness, --log-format, ...).
CMD ["--all-namespaces", "--liveness", "http://0.0.0.0:8081/healthz"]
