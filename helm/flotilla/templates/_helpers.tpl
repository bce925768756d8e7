{{/* Names, labels and the values every template derives from. */}}

{{- define "flotilla.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* RELEASE-flotilla, or RELEASE when it already holds the chart name; 63 characters at most. */}}
{{- define "flotilla.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's name: (dict "root" $ "component" "hub") -> RELEASE-flotilla-hub. */}}
{{- define "flotilla.componentName" -}}
{{- printf "%s-%s" (include "flotilla.fullname" .root | trunc 50 | trimSuffix "-") .component -}}
{{- end -}}

{{- define "flotilla.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of a component: (dict "root" $ "component" "hub"). Never change them: a
Deployment's selector is immutable. */}}
{{- define "flotilla.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Every label of a component's resources: (dict "root" $ "component" "hub"). */}}
{{- define "flotilla.labels" -}}
helm.sh/chart: {{ include "flotilla.chart" .root }}
{{ include "flotilla.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "flotilla.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flotilla.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The pods wait this long after SIGTERM: SHUTDOWN_TIMEOUT_SECONDS plus a margin for the
process to exit, so Kubernetes never kills one that is still draining. */}}
{{- define "flotilla.terminationGracePeriodSeconds" -}}
{{- add .Values.config.shutdownTimeoutSeconds 10 -}}
{{- end -}}

{{/* MIGRATE_ON_START: false when the migration Job applies every migration before the pods
start. With the bundled database the Job runs on upgrades only (migrate-job.yaml), so the hub
migrates a new database itself, under the same advisory lock. */}}
{{- define "flotilla.hubMigratesOnStart" -}}
{{- or (not .Values.migrations.job.enabled) (eq .Values.postgresql.mode "bundled") -}}
{{- end -}}

{{/* The Secret the chart creates (app secrets and connection URLs it knows). */}}
{{- define "flotilla.secretName" -}}
{{- include "flotilla.fullname" . -}}
{{- end -}}

{{/* Where AUTH_JWT_SECRET, SECRETS_KEYS and GIT_WEBHOOK_SECRET come from. */}}
{{- define "flotilla.appSecretName" -}}
{{- default (include "flotilla.secretName" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* DATABASE_URL's Secret and key: the user's Secret, or the chart's. */}}
{{- define "flotilla.databaseSecretName" -}}
{{- if and (eq .Values.postgresql.mode "external") .Values.postgresql.external.existingSecret -}}
{{- .Values.postgresql.external.existingSecret -}}
{{- else -}}
{{- include "flotilla.secretName" . -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.databaseSecretKey" -}}
{{- if and (eq .Values.postgresql.mode "external") .Values.postgresql.external.existingSecret -}}
{{- .Values.postgresql.external.existingSecretKey -}}
{{- else -}}
DATABASE_URL
{{- end -}}
{{- end -}}

{{- define "flotilla.redisSecretName" -}}
{{- if and (eq .Values.redis.mode "external") .Values.redis.external.existingSecret -}}
{{- .Values.redis.external.existingSecret -}}
{{- else -}}
{{- include "flotilla.secretName" . -}}
{{- end -}}
{{- end -}}

{{- define "flotilla.redisSecretKey" -}}
{{- if and (eq .Values.redis.mode "external") .Values.redis.external.existingSecret -}}
{{- .Values.redis.external.existingSecretKey -}}
{{- else -}}
REDIS_URL
{{- end -}}
{{- end -}}

{{/* The bundled Postgres password: the value, else the one already in the cluster (kept across
upgrades), else a new random one. Called once per render, in secret.yaml. */}}
{{- define "flotilla.postgresPassword" -}}
{{- if .Values.postgresql.bundled.password -}}
{{- .Values.postgresql.bundled.password -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .Release.Namespace (include "flotilla.componentName" (dict "root" . "component" "postgresql")) -}}
{{- if and $existing $existing.data (hasKey $existing.data "password") -}}
{{- index $existing.data "password" | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Fails the render with one message per combination of values the schema cannot express. */}}
{{- define "flotilla.validate" -}}
{{- if and (not .Values.secrets.existingSecret) (not .Values.secrets.authJwtSecret) (not .Values.hub.auth.jwksUrl) -}}
{{- fail "secrets.authJwtSecret (or secrets.existingSecret, or hub.auth.jwksUrl) is required: the hub must know how to verify tokens" -}}
{{- end -}}
{{- if and .Values.hub.auth.jwksUrl (not .Values.hub.auth.issuer) -}}
{{- fail "hub.auth.issuer is required with hub.auth.jwksUrl" -}}
{{- end -}}
{{- if and (eq .Values.postgresql.mode "external") (not .Values.postgresql.external.url) (not .Values.postgresql.external.existingSecret) -}}
{{- fail "postgresql.external.url or postgresql.external.existingSecret is required with postgresql.mode=external" -}}
{{- end -}}
{{- if and (eq .Values.redis.mode "external") (not .Values.redis.external.url) (not .Values.redis.external.existingSecret) -}}
{{- fail "redis.external.url or redis.external.existingSecret is required with redis.mode=external" -}}
{{- end -}}
{{- end -}}

{{/* The pod-level settings shared by hub, worker and the migration Job. */}}
{{- define "flotilla.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* Environment shared by the hub and the worker (keys of both config schemas). */}}
{{- define "flotilla.commonEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "flotilla.databaseSecretName" . }}
      key: {{ include "flotilla.databaseSecretKey" . }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "flotilla.redisSecretName" . }}
      key: {{ include "flotilla.redisSecretKey" . }}
- name: SECRETS_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "flotilla.appSecretName" . }}
      key: SECRETS_KEYS
      optional: true
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: HEARTBEAT_INTERVAL_SECONDS
  value: {{ .Values.config.heartbeatIntervalSeconds | quote }}
- name: OFFLINE_AFTER_MISSED_HEARTBEATS
  value: {{ .Values.config.offlineAfterMissedHeartbeats | quote }}
- name: NOTIFY_ALLOW_PRIVATE_NETWORKS
  value: {{ .Values.config.notifyAllowPrivateNetworks | quote }}
- name: GIT_CACHE_DIR
  value: /var/cache/flotilla/git
- name: GIT_FETCH_TIMEOUT_SECONDS
  value: {{ .Values.config.gitFetchTimeoutSeconds | quote }}
- name: SHUTDOWN_TIMEOUT_SECONDS
  value: {{ .Values.config.shutdownTimeoutSeconds | quote }}
- name: TRACING_ENABLED
  value: {{ .Values.config.tracing.enabled | quote }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .Values.config.tracing.otlpEndpoint | quote }}
{{- end -}}

{{/* The read-only root filesystem's writable places: /tmp and the Git mirrors. */}}
{{- define "flotilla.scratchVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: git-cache
  mountPath: /var/cache/flotilla/git
{{- end -}}

{{/* (dict "tmp" SIZE "git" SIZE) */}}
{{- define "flotilla.scratchVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .tmp }}
- name: git-cache
  emptyDir:
    sizeLimit: {{ .git }}
{{- end -}}
