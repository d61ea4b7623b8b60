# Multi-stage build: compile in the Rust image, run from a slim Debian image as a non-root user.
# Configuration (DATABASE_URL, JWT_SECRET, ...) comes from the environment at run time; nothing
# secret is baked into the image.

FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release -p api && cp target/release/api /usr/local/bin/api

FROM debian:bookworm-slim
# curl only serves the health check below.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin outcomes
COPY --from=build /usr/local/bin/api /usr/local/bin/api
USER outcomes
ENV BIND_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/api"]
CMD ["serve"]
