# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run from a slim Debian image as a non-root user.
# Configuration (DATABASE_URL, JWT_SECRET, ...) comes from the environment at run time; nothing
# secret is baked into the image.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
# BuildKit caches the registry and the target directory between builds; the binary is copied
# out of the cache mount, which does not outlive this step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p api \
    && cp target/release/api /usr/local/bin/api

FROM debian:bookworm-slim
# curl only serves the health check below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin outcomes \
    && install -d -o outcomes -g outcomes /var/lib/outcomes
COPY --from=build /usr/local/bin/api /usr/local/bin/api
USER outcomes
# The working directory is the one place the service may write: a SQLite file (the default
# DATABASE_URL, sqlite://outcomes.db) lands here when no PostgreSQL is configured.
WORKDIR /var/lib/outcomes
ENV BIND_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
EXPOSE 8080
# /readyz answers 200 only while the database does, so an orchestrator stops routing to an API
# that has lost its database.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/api"]
CMD ["serve"]
