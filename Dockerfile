# Tenure image: one image, two processes (docker-compose.yml runs it as `api`
# and as `worker`). TypeScript runs through tsx (a runtime dependency): no build step.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source edits don't invalidate this layer. `npm ci`: exactly
# the committed lockfile, which lists every platform's optional binaries. Install
# scripts needed at runtime (esbuild for tsx, the PostgreSQL binaries' symlinks)
# are approved in allowScripts.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY . .

# The code stays root-owned and read-only to the process; run as the image's
# unprivileged `node` user (uid 1000).
USER node

EXPOSE 3000
CMD ["npm", "run", "api"]
