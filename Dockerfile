# One image for the signaling server and the bundled TURN relay (same image,
# other command):
#
#   server (default):  node dist/server/main.js   HTTP and WebSocket on $PORT (8080)
#   relay:             node dist/turn/main.js     TURN on $TURN_PORT (3478 UDP+TCP)
#
# Built with dev dependencies (TypeScript, Vite), run with production ones
# only, as the unprivileged user `node`. docker-compose.yml runs both; see
# docs/deploy.md. The build context is an allowlist (.dockerignore).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
USER node
EXPOSE 8080
# The server's liveness probe; the relay's container gets its own check (docker-compose.yml).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/server/main.js"]
