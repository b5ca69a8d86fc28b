FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Dependencies come first so that this layer is rebuilt only when the lockfile changes.
# Install scripts are skipped because the server needs none of them: Prisma's would
# download native engines that the Rust-free client never loads. `npm run generate`
# then writes the Prisma client and Pothos types into src/generated.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --ignore-scripts && npm run generate && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src

# The embedded database is used only when DATABASE_URL is unset; its files go to /data.
RUN mkdir -p /data && chown node:node /data
ENV DATA_DIR=/data
USER node

# npm runs scripts with `sh -c`, and Debian's dash stays in between as a parent that
# does not pass signals on, so `docker stop` would kill the server without draining
# requests. bash replaces itself with the script's single command, so SIGTERM from npm
# reaches the server.
ENV NPM_CONFIG_SCRIPT_SHELL=/bin/bash NPM_CONFIG_UPDATE_NOTIFIER=false

EXPOSE 4000
CMD ["npm", "start"]
