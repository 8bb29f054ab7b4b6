# Longhaul API / worker image (docker-compose.yml runs both from it; the worker overrides the command).
# TypeScript runs through tsx, as in development; the one build step is the web app (web/, Vite), which the API
# serves at `/` from web/dist. Debian (glibc) rather than Alpine because the Temporal worker's native
# core-bridge and swc, and Vite's rolldown, ship glibc prebuilt binaries.
FROM node:20-bookworm-slim

WORKDIR /app

# Dependencies first, so editing source does not invalidate this layer. Full install (not --omit=dev):
# the entry points run TypeScript through tsx and must match what the tests run against.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund && npm cache clean --force

# The web app has its own dependencies (web/package-lock.json), installed the way scripts/web-app.mjs does.
COPY web/package.json web/package-lock.json ./web/
RUN npm install --prefix web --no-audit --no-fund && npm cache clean --force

COPY . .

# .dockerignore keeps the host's web/dist out, so the app is always built from the sources in the image (they
# include src/client, which the app imports). Built as root, before USER: the API only reads web/dist.
RUN cd web && node node_modules/vite/bin/vite.js build --logLevel warn

# Listen on all interfaces inside the container (config.ts defaults HOST to 127.0.0.1).
ENV HOST=0.0.0.0 \
    PORT=3000
EXPOSE 3000

USER node
CMD ["node", "--import", "tsx", "src/server.ts"]
