# syntax=docker/dockerfile:1
#
# Guardyn container image: one image for every service. GUARDYN_SERVICE_NAME picks what a
# container runs (gateway, auth, messaging, presence, media, notification); unset, it runs all
# six in one process (embedded mode, SQLite under GUARDYN_DATA_DIR), which is handy for a quick
# `docker run -p 4000:4000 guardyn`. Kubernetes manifests: k8s/README.md.
#
#   docker build -t guardyn:dev .

ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: production node_modules, native modules included ---------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
# better-sqlite3, argon2, @signalapp/libsignal-client and sharp ship prebuilt binaries for
# linux-x64/arm64 (glibc); the toolchain is only here for a platform without a prebuilt, where
# node-gyp compiles from source. None of it reaches the runtime image.
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund
# Fail the build here, not at pod start, if a native module does not load on this platform
# (a module not in package.json is skipped).
RUN node --input-type=module -e " \
      const probes = { \
        'better-sqlite3': (m) => new m.default(':memory:').close(), \
        argon2: (m) => m.default.hash('probe'), \
        '@signalapp/libsignal-client': (m) => m.PrivateKey.generate(), \
        sharp: (m) => m.default.versions, \
      }; \
      for (const [name, probe] of Object.entries(probes)) { \
        let loaded; \
        try { loaded = await import(name); } \
        catch (error) { if (error.code === 'ERR_MODULE_NOT_FOUND') continue; throw error; } \
        await probe(loaded); \
      }"

# --- runtime --------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    GUARDYN_HOST=0.0.0.0 \
    GUARDYN_DATA_DIR=/var/lib/guardyn
WORKDIR /app
# A fixed numeric uid, so Kubernetes can verify runAsNonRoot. The code stays owned by root and
# read-only to the service; only the data directory (and /tmp, for tsx's compile cache) is its own.
RUN groupadd --system --gid 10001 guardyn \
    && useradd --system --uid 10001 --gid guardyn --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin guardyn \
    && mkdir -p /var/lib/guardyn \
    && chown guardyn:guardyn /var/lib/guardyn \
    && chmod 0700 /var/lib/guardyn
COPY --from=deps /app/node_modules ./node_modules
# Sources, schemas and supergraph.yaml: the gateway composes the supergraph at start and tsx
# compiles TypeScript on load (see .dockerignore for what stays out).
COPY . .
USER 10001:10001
EXPOSE 4000-4005
# No HEALTHCHECK: Kubernetes probes /health and /metrics (k8s/base).
CMD ["node", "--import", "tsx", "main.ts"]
