# Vetted: one image for the API and the workers (docker-compose.yml picks the command).

# Stage 1: compile the service to JavaScript (dist/) and build the web app (TypeScript and Vite are
# dev dependencies).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY web ./web
RUN npm run build

# Stage 2: the service.
FROM node:20-bookworm-slim
# Debian's ffmpeg gets security fixes. yt-dlp: the standalone release (no Python needed), verified against the
# release's own SHA2-256SUMS before it is installed. It is only the starting copy: the updater keeps a current one in
# /data/bin (daily, verified the same way, previous copy kept; or `npm run cli -- youtube update` at once).
ARG YTDLP_VERSION=2026.02.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl \
 && case "$(dpkg --print-architecture)" in arm64) asset=yt-dlp_linux_aarch64 ;; *) asset=yt-dlp_linux ;; esac \
 && cd /tmp \
 && curl -fsSLO "https://github.com/yt-dlp/yt-dlp/releases/download/${YTDLP_VERSION}/${asset}" \
 && curl -fsSLO "https://github.com/yt-dlp/yt-dlp/releases/download/${YTDLP_VERSION}/SHA2-256SUMS" \
 && grep -E " \*?${asset}\$" SHA2-256SUMS | sed 's/ \*/  /' | sha256sum -c - \
 && install -m 0755 "${asset}" /usr/local/bin/yt-dlp \
 && /usr/local/bin/yt-dlp --version \
 && rm -f "${asset}" SHA2-256SUMS \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Optional packages stay: they carry the platform binaries (Deno for yt-dlp's JavaScript runtime, esbuild for tsx,
# argon2). --ignore-scripts: no install step downloads anything (ffmpeg-static's would fetch a second ffmpeg; the
# service uses Debian's), and the deno package finds its binary in @deno/linux-*-glibc without its copy step.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node_modules/@deno/*/deno --version
# Compiled JavaScript only; the TypeScript sources stay for `npm run cli` (run by tsx).
COPY tsconfig.json ./
COPY src ./src
COPY migrations ./migrations
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
ENV NODE_ENV=production DATA_DIR=/data HOST=0.0.0.0
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# docker-compose.yml sets DATABASE_URL and REDIS_URL; without them `node dist/src/main.js` would
# need postgresql and redis-server in the image, which this one does not carry.
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
