# syntax=docker/dockerfile:1
# One image for smsbridge's three processes; compose.yaml picks each one's command
# (deploy/bin/web, worker, release: the Procfile's lines, which a test keeps equal).

# The builder installs the locked dependencies, each checked against its hash in
# requirements.lock, into a venv. Compilers stay in this stage: some packages have
# no wheel for every platform (on arm64, say) and are built from source here.
FROM python:3.11-slim AS builder
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /src/
RUN /opt/venv/bin/pip install --require-hashes -r /src/requirements.lock
# Our own code into the same venv, built with the setuptools the lock pinned (no
# build environment fetched unchecked); --no-deps: everything it needs is above.
COPY pyproject.toml README.md /src/
COPY config /src/config
COPY store /src/store
COPY gateway /src/gateway
COPY workers /src/workers
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation /src

# The image that runs: Python, the venv (our code inside it) and the commands.
FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SMSBRIDGE_ENV=production \
    SMSBRIDGE_VAR=/var/lib/smsbridge
RUN groupadd --system --gid 10001 smsbridge \
    && useradd --system --uid 10001 --gid smsbridge --home-dir /var/lib/smsbridge \
        --shell /usr/sbin/nologin smsbridge \
    && install -d -o smsbridge -g smsbridge -m 0700 /var/lib/smsbridge
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
COPY Procfile ./
COPY deploy/bin ./deploy/bin
# A numeric user, so a runtime that refuses root can tell without reading /etc/passwd.
USER 10001:10001
EXPOSE 5000
CMD ["deploy/bin/web"]
