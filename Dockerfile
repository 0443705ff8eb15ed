# The SSO service image: Node 24 runs the TypeScript sources directly (no build step).
#   docker build -t sso .
#   docker run --read-only --tmpfs /tmp -p 3000:3000 -v sso-data:/data sso
# Configuration is SSO_* environment variables only (and MONGODB_URI); no secret is baked in:
# give SSO_MASTER_KEY (or SSO_MASTER_KEY_FILE, a mounted secret) at run time.

# Stage 1: production dependencies only. argon2 loads its prebuilt binary, so no install scripts run.
FROM node:24-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Stage 2: the runtime: sources and those dependencies, owned by root and read-only to the service,
# which runs as the unprivileged `node` user and writes only to /data (the embedded store; unused
# on MongoDB) — so the container runs with a read-only root filesystem.
FROM node:24-slim
WORKDIR /app
ENV SSO_HOST=0.0.0.0 \
    SSO_PORT=3000 \
    SSO_DATA_DIR=/data
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY adapters ./adapters
COPY admin ./admin
COPY interactions ./interactions
COPY provider ./provider
COPY client-sdk/node/src/contract.ts ./client-sdk/node/src/contract.ts
RUN mkdir -p /data && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Liveness (the process answers); load balancers use /readyz. Stops on SIGTERM: see SSO_SHUTDOWN_TIMEOUT.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 CMD ["node", "provider/healthcheck.ts"]
STOPSIGNAL SIGTERM
CMD ["node", "provider/main.ts"]
