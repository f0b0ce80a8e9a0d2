{{/* Names, labels and small helpers shared by every template. */}}

{{- define "activation-canary.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The full name: cluster-scoped objects carry it, so it must be unique per release in a cluster. */}}
{{- define "activation-canary.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "activation-canary.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "activation-canary.selectorLabels" -}}
app.kubernetes.io/name: {{ include "activation-canary.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "activation-canary.labels" -}}
helm.sh/chart: {{ include "activation-canary.chart" . }}
{{ include "activation-canary.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: activation-canary
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "activation-canary.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "activation-canary.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The metrics Service's name, which is also the job of the operator's series (a ServiceMonitor names the
job after the Service): a Service name is a DNS label of at most 63 characters, so the full name is cut
to 55 to leave room for "-metrics".
*/}}
{{- define "activation-canary.metricsServiceName" -}}
{{- printf "%s-metrics" (include "activation-canary.fullname" . | trunc 55 | trimSuffix "-") }}
{{- end }}

{{- define "activation-canary.leaseName" -}}
{{- default (printf "%s-leader" (include "activation-canary.fullname" .)) .Values.leaderElection.id | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "activation-canary.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* True ("true") when extraEnv sets NODE_OPTIONS, which then replaces the one the `heap` values render. */}}
{{- define "activation-canary.userNodeOptions" -}}
{{- range .Values.extraEnv }}{{ if eq .name "NODE_OPTIONS" }}true{{ end }}{{ end }}
{{- end }}

{{/* "true" when extraEnv sets MALLOC_ARENA_MAX itself (then `heap.mallocArenaMax` is not rendered). */}}
{{- define "activation-canary.userMallocArenaMax" -}}
{{- range .Values.extraEnv }}{{ if eq .name "MALLOC_ARENA_MAX" }}true{{ end }}{{ end }}
{{- end }}

{{/* The operator's NODE_OPTIONS from the `heap` values (test/harness/operator.ts renders the same flags). */}}
{{- define "activation-canary.nodeOptions" -}}
{{- printf "--max-old-space-size=%d --max-semi-space-size=%d" (int .Values.heap.maxOldSpaceMiB) (int .Values.heap.maxSemiSpaceMiB) }}
{{- end }}

{{/*
A memory quantity (512Mi, 1Gi, 0.5Gi, 600M, 536870912) in whole MiB, rounded down; empty when it is not
written in one of those forms (the heap check below then does not apply).
*/}}
{{- define "activation-canary.memoryMiB" -}}
{{- $q := toString . }}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?([KMGT]i|[kMGT])?$" $q }}
{{- $number := regexReplaceAll "^([0-9.]+).*$" $q "${1}" | float64 }}
{{- $unit := regexReplaceAll "^[0-9.]+" $q "" }}
{{- $bytes := get (dict "" 1.0 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0) $unit }}
{{- divf (mulf $number $bytes) 1048576.0 | floor | int64 }}
{{- end }}
{{- end }}

{{/* Refuses values that would run two reconcilers at once, or a heap that cannot fit under the memory limit. */}}
{{- define "activation-canary.validate" -}}
{{- if and (gt (int .Values.replicas) 1) (not .Values.leaderElection.enabled) }}
{{- fail "replicas > 1 needs leaderElection.enabled=true: without a Lease every replica would reconcile the same ModelVariants" }}
{{- end }}
{{- $limit := "" }}
{{- with .Values.resources }}{{ with .limits }}{{ with .memory }}{{ $limit = include "activation-canary.memoryMiB" . }}{{ end }}{{ end }}{{ end }}
{{- if and $limit (not (include "activation-canary.userNodeOptions" .)) }}
{{- $need := add (int .Values.heap.maxOldSpaceMiB) (mul 3 (int .Values.heap.maxSemiSpaceMiB)) 160 }}
{{- if gt $need (int64 $limit) }}
{{- fail (printf "heap.maxOldSpaceMiB (%d) + 3 × heap.maxSemiSpaceMiB (%d) + 160 MiB for Node's own memory is %d MiB, above resources.limits.memory (%s = %s MiB): the operator would be OOM-killed before its heap is full. Lower the heap or raise the limit." (int .Values.heap.maxOldSpaceMiB) (int .Values.heap.maxSemiSpaceMiB) $need (toString .Values.resources.limits.memory) $limit) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
An alert's runbook URL, quoted: "<prometheusRule.runbookBaseURL>/<alert name in lower case>", or, for a
base ending in "#" (a page with a section per alert, such as docs/observability.md), "<base><name>".
Takes (dict "root" $ "alert" name).
*/}}
{{- define "activation-canary.runbookURL" -}}
{{- $base := .root.Values.prometheusRule.runbookBaseURL }}
{{- if hasSuffix "#" $base }}
{{- printf "%s%s" $base (lower .alert) | quote }}
{{- else }}
{{- printf "%s/%s" (trimSuffix "/" $base) (lower .alert) | quote }}
{{- end }}
{{- end }}
