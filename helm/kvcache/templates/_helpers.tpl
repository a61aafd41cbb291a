{{/*
Names
*/}}
{{- define "kvcache.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name. Truncated to 42 characters so that "<fullname>-slaveNNN" plus the
StatefulSet's controller-revision-hash label value stays within Kubernetes' 63.
*/}}
{{- define "kvcache.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 42 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 42 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 42 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "kvcache.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kvcache.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kvcache.master.fullname" -}}
{{- printf "%s-master" (include "kvcache.fullname" .) -}}
{{- end -}}

{{- define "kvcache.master.enrollmentServiceName" -}}
{{- printf "%s-master-enrollment" (include "kvcache.fullname" .) -}}
{{- end -}}

{{/*
The address slaves enroll with: the enrollment Service's cluster DNS name and port.
*/}}
{{- define "kvcache.master.enrollmentAddress" -}}
{{- printf "%s.%s.svc.%s:%d" (include "kvcache.master.enrollmentServiceName" .) (include "kvcache.namespace" .) .Values.clusterDomain (int .Values.master.enrollmentService.port) -}}
{{- end -}}

{{/*
A shard's StatefulSet name. Usage: include "kvcache.slave.fullname" (dict "context" $ "shard" "slave1")
*/}}
{{- define "kvcache.slave.fullname" -}}
{{- printf "%s-%s" (include "kvcache.fullname" .context) .shard -}}
{{- end -}}

{{- define "kvcache.slave.headlessServiceName" -}}
{{- printf "%s-headless" (include "kvcache.slave.fullname" .) -}}
{{- end -}}

{{/*
A shard's replica count: slave.replicaCountPerShard.<shard>, else slave.replicaCount.
Usage: include "kvcache.slave.replicaCount" (dict "context" $ "shard" "slave1")
*/}}
{{- define "kvcache.slave.replicaCount" -}}
{{- $perShard := .context.Values.slave.replicaCountPerShard | default dict -}}
{{- if hasKey $perShard .shard -}}
{{- index $perShard .shard | int -}}
{{- else -}}
{{- .context.Values.slave.replicaCount | int -}}
{{- end -}}
{{- end -}}

{{/*
Labels. Usage: include "kvcache.labels" (dict "context" $ "component" "master")
*/}}
{{- define "kvcache.labels" -}}
helm.sh/chart: {{ include "kvcache.chart" .context }}
{{ include "kvcache.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: kvcache
{{- with .context.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
Selector labels. Usage: include "kvcache.selectorLabels" (dict "context" $ "component" "slave" "shard" "slave1")
component and shard are optional.
*/}}
{{- define "kvcache.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kvcache.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- if .shard }}
kvcache.io/shard: {{ .shard }}
{{- end }}
{{- end -}}

{{/*
Image reference. Usage: include "kvcache.image" (dict "image" .Values.master.image "context" $)
*/}}
{{- define "kvcache.image" -}}
{{- $repository := .image.repository -}}
{{- if .image.registry -}}
{{- $repository = printf "%s/%s" .image.registry .image.repository -}}
{{- end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .context.Chart.AppVersion .image.tag | toString) -}}
{{- end -}}
{{- end -}}

{{- define "kvcache.imagePullSecrets" -}}
{{- $secrets := concat (.Values.master.image.pullSecrets | default list) (.Values.slave.image.pullSecrets | default list) | uniq -}}
{{- if $secrets }}
imagePullSecrets:
{{- range $secrets }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "kvcache.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kvcache.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Security contexts without the chart's "enabled" switch and without empty settings. Usage: include "kvcache.securityContext" .Values.master.podSecurityContext
*/}}
{{- define "kvcache.securityContext" -}}
{{- $context := dict -}}
{{- range $key, $value := . -}}
{{- if and (ne $key "enabled") (or (kindIs "bool" $value) (kindIs "float64" $value) (kindIs "int64" $value) (kindIs "int" $value) $value) -}}
{{- $_ := set $context $key $value -}}
{{- end -}}
{{- end -}}
{{- toYaml $context -}}
{{- end -}}

{{/*
Secret: its name and the keys of the three values.
*/}}
{{- define "kvcache.secretName" -}}
{{- if .Values.auth.existingSecret -}}
{{- tpl .Values.auth.existingSecret . -}}
{{- else -}}
{{- include "kvcache.fullname" . -}}
{{- end -}}
{{- end -}}

{{- define "kvcache.secret.passwordKey" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretPasswordKey }}{{- else -}}redis-password{{- end -}}
{{- end -}}

{{- define "kvcache.secret.clusterSecretKey" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretClusterSecretKey }}{{- else -}}cluster-secret{{- end -}}
{{- end -}}

{{- define "kvcache.secret.adminTokenKey" -}}
{{- if .Values.auth.existingSecret -}}{{ .Values.auth.existingSecretAdminTokenKey }}{{- else -}}admin-token{{- end -}}
{{- end -}}

{{/*
A base64 value of the chart's Secret: the value given in values, else the one already in the
Secret (an upgrade keeps it), else 32 random alphanumerics.
Usage: include "kvcache.secret.b64value" (dict "context" $ "key" "cluster-secret" "value" .Values.auth.clusterSecret)
*/}}
{{- define "kvcache.secret.b64value" -}}
{{- if .value -}}
{{- .value | toString | b64enc -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" (include "kvcache.namespace" .context) (include "kvcache.secretName" .context) -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Environment variables both components read from the Secret.
*/}}
{{- define "kvcache.secretEnv" -}}
- name: KVCACHE_CLUSTER_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "kvcache.secretName" . }}
      key: {{ include "kvcache.secret.clusterSecretKey" . }}
- name: KVCACHE_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "kvcache.secretName" . }}
      key: {{ include "kvcache.secret.adminTokenKey" . }}
{{- end -}}

{{/*
Probes. Usage: include "kvcache.probe" (dict "probe" .Values.master.livenessProbe)
*/}}
{{- define "kvcache.probe" -}}
httpGet:
  path: {{ .probe.path }}
  port: http
initialDelaySeconds: {{ .probe.initialDelaySeconds }}
periodSeconds: {{ .probe.periodSeconds }}
timeoutSeconds: {{ .probe.timeoutSeconds }}
failureThreshold: {{ .probe.failureThreshold }}
successThreshold: {{ .probe.successThreshold }}
{{- end -}}

{{/*
Pod anti-affinity preset spreading a shard's pods over nodes.
Usage: include "kvcache.slave.antiAffinity" (dict "context" $ "shard" "slave1")
*/}}
{{- define "kvcache.slave.antiAffinity" -}}
{{- $preset := .context.Values.slave.podAntiAffinityPreset -}}
{{- if eq $preset "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 1
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "kvcache.selectorLabels" (dict "context" .context "component" "slave" "shard" .shard) | nindent 12 }}
{{- else if eq $preset "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels:
          {{- include "kvcache.selectorLabels" (dict "context" .context "component" "slave" "shard" .shard) | nindent 10 }}
{{- end }}
{{- end -}}

{{/*
Checks of values that the schema cannot express.
*/}}
{{- define "kvcache.validateValues" -}}
{{- if and .Values.auth.existingSecret (not .Values.auth.existingSecretClusterSecretKey) -}}
{{- fail "auth.existingSecretClusterSecretKey must name the key of the cluster secret in auth.existingSecret" -}}
{{- end -}}
{{- if lt (int .Values.slave.shards) 1 -}}
{{- fail "slave.shards must be at least 1" -}}
{{- end -}}
{{- end -}}

{{/*
NetworkPolicy parts: egress rules, and who may reach the HTTP ports.
*/}}
{{- define "kvcache.networkPolicy.egress" -}}
{{- $np := .Values.networkPolicy -}}
egress:
  {{- if $np.allowExternalEgress }}
  - {}
  {{- else }}
  # DNS
  - ports:
      - port: 53
        protocol: UDP
      - port: 53
        protocol: TCP
  # This release's pods (enrollment, replication, the master's calls to slaves)
  - to:
      - podSelector:
          matchLabels:
            {{- include "kvcache.selectorLabels" (dict "context" .) | nindent 12 }}
  {{- end }}
  {{- with $np.extraEgress }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}
{{- define "kvcache.networkPolicy.metricsFrom" -}}
{{- $np := .Values.networkPolicy -}}
{{- if not $np.metrics.allowExternal }}
from:
  - podSelector:
      matchLabels:
        {{- include "kvcache.selectorLabels" (dict "context" .) | nindent 8 }}
  {{- if $np.metrics.ingressNSMatchLabels }}
  - namespaceSelector:
      matchLabels:
        {{- toYaml $np.metrics.ingressNSMatchLabels | nindent 8 }}
    {{- with $np.metrics.ingressNSPodMatchLabels }}
    podSelector:
      matchLabels:
        {{- toYaml . | nindent 8 }}
    {{- end }}
  {{- end }}
{{- end }}
{{- end }}
