# syntax=docker/dockerfile:1
# One image for every Flotilla process; the first argument picks the app:
#   docker run IMAGE hub | worker | agent | cli [ARGS...]
# Build from the repository root: docker build -t flotilla .

# All dependencies, dev included (TypeScript, tsc-alias), for the build.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Compiles apps, libs and migrations into dist/ (scripts/build.mjs: tsc, then tsc-alias).
FROM deps AS build
COPY . .
RUN npm run build

# Production dependencies only; a stage of its own so the build's dev tools never reach runtime.
FROM node:20-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# helm and kustomize for rendering Helm and Kustomize sources (the worker runs them from PATH):
# static Go binaries taken from their publishers' images, pinned by tag, instead of downloads.
FROM alpine/helm:3.16.2 AS helm
FROM registry.k8s.io/kustomize/kustomize:v5.4.3 AS kustomize

FROM node:20-bookworm-slim AS runtime
# git: the worker renders Git sources at a revision.
RUN apt-get update \
  && apt-get install -y --no-install-recommends git ca-certificates \
  && rm -rf /var/lib/apt/lists/*
COPY --from=helm /usr/bin/helm /usr/local/bin/helm
COPY --from=kustomize /app/kustomize /usr/local/bin/kustomize
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY scripts/start.mjs scripts/migrate.mjs ./scripts/
# The app files stay owned by root and read-only to the process; it runs as the image's
# unprivileged `node` user (uid 1000), whose home holds git's configuration and caches.
USER node
EXPOSE 3000
ENTRYPOINT ["node", "/app/scripts/start.mjs"]
CMD ["hub"]
