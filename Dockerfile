# The action's image. A plain Dockerfile: it builds the same with Docker on
# GitHub's runners and with podman here (test/container/ makes a local
# golang base image, since no registry can be pulled from our machines).

# Build stage: one static binary, no cgo, no paths or debug info baked in.
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0
# Modules first, so a source-only change reuses the download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags='-s -w' -o /out/app-token . \
 && ln -s app-token /out/app-token-post

# Final stage: only the binary and a CA bundle. The post phase starts the
# same file through the /app-token-post symlink (action.yml's
# post-entrypoint), since the runner passes the same args to every phase
# and the binary tells its phase from the name it was started as.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /
ENTRYPOINT ["/app-token"]
