# nodis-server in a container. Build: docker build -t nodis .   Run: docker run -p 6379:6379 nodis
# No container engine runs on the development machines: `npm run docker:sim` performs these steps
# outside a container and starts the result as the image would (see scripts/docker-sim.ts).

# Build stage: the dev dependencies (TypeScript) build dist/; then only production dependencies
# are kept (nodis has none today, so node_modules stays empty).
FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json tsconfig.cjs.json ./
COPY scripts/build-package.sh scripts/bundle.sh scripts/
COPY src src/
RUN sh scripts/build-package.sh
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && mkdir -p node_modules data-volume

# Runtime: a distroless Node image (no shell, no package manager) running as its non-root user,
# holding only what runs: dist/src, dist/bundle, data/, package.json and the production node_modules.
# dist/bundle belongs to the user that runs, so the first start can keep its code cache there.
FROM gcr.io/distroless/nodejs20-debian12:nonroot
WORKDIR /app
COPY --from=build /build/package.json ./
COPY --from=build /build/node_modules node_modules/
COPY --from=build /build/dist/src dist/src/
COPY --from=build --chown=65532:65532 /build/dist/bundle dist/bundle/
COPY data data/
# Snapshots go to /data (the working directory, so `dir ./` is /data), owned by the user that runs.
COPY --from=build --chown=65532:65532 /build/data-volume /data/
WORKDIR /data
VOLUME /data
USER 65532:65532
EXPOSE 6379
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["/nodejs/bin/node", "/app/dist/src/healthcheck.js", "6379"]
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/src/bin.cjs"]
# As the official redis image does: clients come from the container network, not loopback, so
# protected mode would refuse them all. Set requirepass (or a config file) before exposing it.
CMD ["--protected-mode", "no"]
