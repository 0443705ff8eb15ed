# The SSO service image: Node 24 runs the TypeScript sources directly (no build step).
# docker build -t sso . && docker run -p 3000:3000 -v sso-data:/data sso
FROM node:24-bookworm-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; argon2 loads its prebuilt binary, so no install scripts are needed.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    SSO_HOST=0.0.0.0 \
    SSO_PORT=3000 \
    SSO_DATA_DIR=/data
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY adapters ./adapters
COPY admin ./admin
COPY interactions ./interactions
COPY provider ./provider
COPY client-sdk/node/src/contract.ts ./client-sdk/node/src/contract.ts
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["node", "provider/healthcheck.ts"]
CMD ["node", "provider/main.ts"]
