# lettre serve in a container: the archive, sign-up and unsubscribe pages on port 8080,
# behind a reverse proxy that terminates TLS. See README, "The reader side: lettre serve".
#
#   docker build -t lettre .
#   docker run -d --name lettre --restart unless-stopped --env-file /etc/lettre/lettre.env \
#     -p 127.0.0.1:8080:8080 -v lettre-data:/app/.lettre -v lettre-dist:/app/dist lettre
#   docker exec lettre lettre build        # after each run of a new image: writes dist/
#
# The base image's Node is 24, which runs lettre's TypeScript by itself (type stripping is
# on by default since Node 22.18): no compiler, no build step. So only the runtime
# dependencies are installed, without install scripts: the only one is the `node`
# package's, which fetches Node 24 for machines whose own Node is older (not this image);
# the devDependencies (TypeScript, vitest, Biome, playwright-core) are for developers and CI.
ARG NODE_IMAGE=node:24-slim
FROM ${NODE_IMAGE}

# sqlite3, to back up the database while the server runs (`.backup`, see README).
RUN apt-get update \
  && apt-get install -y --no-install-recommends sqlite3 \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The project: lettre's code, templates, lettre.config.yaml and newsletters/. Owned by root,
# so the server cannot change them; it writes only the two volumes below.
COPY . .
# `lettre` on the PATH, for `docker exec lettre lettre send …`.
RUN printf '#!/bin/sh\nexec node /app/bin/lettre.js "$@"\n' > /usr/local/bin/lettre \
  && chmod 755 /usr/local/bin/lettre \
  && mkdir -p .lettre dist \
  && chown node:node .lettre dist \
  && chmod 700 .lettre

# .lettre/: the database (subscribers, consent records, sends) and the build caches.
# dist/: what `lettre build` writes; the server reads dist/archive/.
VOLUME ["/app/.lettre", "/app/dist"]

# The base image's unprivileged user (uid 1000).
USER node
EXPOSE 8080
# Node is process 1 (the wrapper execs it): lettre answers SIGTERM (`docker stop`) by
# finishing the requests in flight and closing the database.
ENTRYPOINT ["lettre"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
