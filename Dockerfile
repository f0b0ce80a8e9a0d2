# The operator (docs/install.md). Node 24 runs the TypeScript sources directly (type stripping), so
# there is no build step: the image is the production dependencies, src/ and crds/. The process
# writes nothing to disk and runs as a non-root numeric user, so the chart's readOnlyRootFilesystem
# and runAsNonRoot hold.
#
#   docker build -t activation-canary/operator:0.1.0 .
#   docker run --rm activation-canary/operator:0.1.0 --help

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim AS sources
WORKDIR /app
COPY src ./src
RUN find src -name '*.test.ts' -delete

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY --from=sources /app/src ./src
COPY crds ./crds
USER 1000:1000
EXPOSE 8080
ENTRYPOINT ["node", "src/cli/operator.ts"]
