# Longhaul API / worker image (docker-compose.yml runs both from it; the worker overrides the command).
# TypeScript runs through tsx, as in development, so there is no build step. Debian (glibc) rather than
# Alpine because the Temporal worker's native core-bridge and swc ship glibc prebuilt binaries.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so editing source does not invalidate this layer. Full install (not --omit=dev):
# the entry points run TypeScript through tsx and must match what the tests run against.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund && npm cache clean --force

COPY . .

# Listen on all interfaces inside the container (config.ts defaults HOST to 127.0.0.1).
ENV HOST=0.0.0.0 \
    PORT=3000
EXPOSE 3000

USER node
CMD ["node", "--import", "tsx", "src/server.ts"]
