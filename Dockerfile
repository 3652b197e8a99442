# syntax=docker/dockerfile:1
# irsa-anywhere image: `irsa webhook serve` by default, any other `irsa` command as arguments.
# Build: docker build -t ghcr.io/irsa-anywhere/irsa-anywhere:0.1.0 .

#
# Every stage on Node.js 26 (node:26-trixie-slim), the active LTS line since October 2026 with security fixes until
# 2029-04-30: the longest support of the lines .ci/run tests (24 until 2028-04-30, 22 until 2027-04-30; 20 ended
# 2026-04-30). This image holds a webhook that can mutate every pod, so it runs on the supported line that stays
# supported longest; README "Requirements" and docs/node-versions.md say when to move. Debian 13 (trixie), the
# current stable release: Debian 12 (bookworm) gets only LTS security support since June 2026.
# The same tag in every stage: the build's node_modules and the runtime's Node are one version.

# 1. Build: all dependencies (esbuild, typescript) and the bundle in dist/.
FROM node:26-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency script is needed (esbuild's binary comes as an optional dependency); the build is
# the explicit step below, once the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build

# 2. Production dependencies only (the bundle keeps npm packages external).
FROM node:26-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# 3. Runtime: node, production node_modules and dist/ — no sources, no compilers, no npm cache.
FROM node:26-trixie-slim AS runtime
ENV NODE_ENV=production
# A small young generation keeps the webhook's peak RSS under 150 MB with 10,000 ServiceAccounts cached
# (bench/README.md, Webhook memory, measured on Node 20; Node 26 accepts the flag, its figure is to re-measure);
# throughput is unaffected.
ENV NODE_OPTIONS=--max-semi-space-size=4
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# 65532: the conventional "nonroot" id; the Deployment sets the same runAsUser.
USER 65532:65532
EXPOSE 8443 9999
ENTRYPOINT ["node", "/app/dist/cli.js"]
CMD ["webhook", "serve"]
