# The action's image. A plain Dockerfile: it builds the same with Docker on
# GitHub's runners and with podman here (test/container/ makes a local
# golang base image, since no registry can be pulled from our machines).
# The base is named in full so that podman resolves it without short-name
# configuration (Docker reads it the same).
#
# It cross-builds without emulation: the build stage runs on the builder's
# own platform ($BUILDPLATFORM) and Go cross-compiles for $TARGETOS/$TARGETARCH,
# so `--platform linux/arm64` on an amd64 machine needs no qemu. The result is
# reproducible: -trimpath, no VCS stamp, no build ID, and the final stage holds
# only files whose bytes depend on the inputs; with the builder's timestamps
# pinned (podman build --timestamp 0, or SOURCE_DATE_EPOCH with BuildKit) the
# same inputs give the same image digest. scripts/release.sh builds it so.

# Build stage: one static binary, no cgo, no paths or debug info baked in.
FROM --platform=$BUILDPLATFORM docker.io/library/golang:1.26 AS build
ARG TARGETOS
ARG TARGETARCH
WORKDIR /src
ENV CGO_ENABLED=0
# Modules first, so a source-only change reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -tags lambda.norpc -trimpath -buildvcs=false -ldflags='-s -w -buildid=' -o /out/app-token . \
 && ln -s app-token /out/app-token-post

# Final stage: only the binary and a CA bundle. The post phase starts the
# same file through the /app-token-post symlink (action.yml's
# post-entrypoint), since the runner passes the same args to every phase
# and the binary tells its phase from the name it was started as. It runs as
# root (no USER): GitHub requires that of container actions, which write to
# the runner's bind-mounted file command and workspace folders.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /
ENTRYPOINT ["/app-token"]
