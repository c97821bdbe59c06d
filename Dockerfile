# Tenure image: one image, two processes (docker-compose.yml runs it as `api`
# and as `worker`). TypeScript runs through tsx (a runtime dependency): no build step.
FROM node:20-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source edits don't invalidate this layer. Install
# scripts needed at runtime (esbuild for tsx, protobufjs, ...) are approved in
# package.json's allowScripts.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# The code stays root-owned and read-only to the process; run as the image's
# unprivileged `node` user (uid 1000).
USER node

EXPOSE 3000
CMD ["npm", "run", "api"]
