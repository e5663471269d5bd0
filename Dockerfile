# syntax=docker/dockerfile:1
# The Coalition server, headless (see README, "Deploying on a cloud host").
#   docker build -t coalition .
#   docker run -d -p 19211:19211 -v coalition-data:/var/lib/coalition coalition
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    COALITION_DATA=/var/lib/coalition \
    COALITION_HOST=0.0.0.0 \
    COALITION_PORT=19211 \
    COALITION_SERVERMODE=normal

WORKDIR /opt/coalition
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY core ./core
COPY headless ./headless
COPY plugins ./plugins
COPY templates ./templates

RUN useradd --system --home-dir /var/lib/coalition --shell /usr/sbin/nologin coalition \
    && mkdir -p /var/lib/coalition \
    && chown coalition:coalition /var/lib/coalition \
    && chmod 0700 /var/lib/coalition
USER coalition
VOLUME ["/var/lib/coalition"]
EXPOSE 19211

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.COALITION_PORT || 19211) + '/').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "headless/main.ts", "server"]
