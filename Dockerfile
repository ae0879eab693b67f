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
COPY workers ./workers
COPY migrations ./migrations
COPY web ./web
RUN npm run build

# Stage 2: the service.
FROM node:20-bookworm-slim
# Debian's ffmpeg gets security fixes; yt-dlp is pinned (YouTube changes often: update the pin, not :latest).
ARG YTDLP_VERSION=2025.11.12
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg ca-certificates curl python3 \
 && curl -fsSL -o /usr/local/bin/yt-dlp "https://github.com/yt-dlp/yt-dlp/releases/download/${YTDLP_VERSION}/yt-dlp" \
 && chmod 0755 /usr/local/bin/yt-dlp \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund
# Compiled JavaScript only; the TypeScript sources stay for `npm run cli` (run by tsx).
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
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
