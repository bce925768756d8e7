{{/* Names, labels and the values every template derives from. */}}

{{- define "flotilla-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* RELEASE-flotilla-agent, or RELEASE when it already holds the chart name. */}}
{{- define "flotilla-agent.fullname" -}}
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

{{- define "flotilla-agent.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flotilla-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flotilla-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: agent
{{- end -}}

{{- define "flotilla-agent.labels" -}}
helm.sh/chart: {{ include "flotilla-agent.chart" . }}
{{ include "flotilla-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flotilla
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "flotilla-agent.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "flotilla-agent.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "flotilla-agent.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "flotilla-agent.tokenSecretName" -}}
{{- default (printf "%s-registration" (include "flotilla-agent.fullname" . | trunc 50 | trimSuffix "-")) .Values.registrationToken.existingSecret -}}
{{- end -}}

{{- define "flotilla-agent.tokenSecretKey" -}}
{{- if .Values.registrationToken.existingSecret -}}
{{- .Values.registrationToken.existingSecretKey -}}
{{- else -}}
token
{{- end -}}
{{- end -}}

{{/* Where the agent keeps the inventory ConfigMaps of what it applied (libs/kube ClusterSync's
inventoryNamespace; the agent does not make it configurable). */}}
{{- define "flotilla-agent.inventoryNamespace" -}}
flotilla-system
{{- end -}}

{{/* true when the agent may not manage everything everywhere: its own needs (inventory) are
then granted separately. */}}
{{- define "flotilla-agent.narrowed" -}}
{{- if or (eq .Values.rbac.scope "namespaced") .Values.rbac.rules -}}true{{- end -}}
{{- end -}}

{{/* The rules of what the agent manages: rbac.rules with rbac.verbs, or everything. */}}
{{- define "flotilla-agent.manageRules" -}}
{{- if .Values.rbac.rules -}}
{{- range .Values.rbac.rules }}
- apiGroups: {{ toJson .apiGroups }}
  resources: {{ toJson .resources }}
  {{- with .resourceNames }}
  resourceNames: {{ toJson . }}
  {{- end }}
  verbs: {{ toJson $.Values.rbac.verbs }}
{{- end }}
{{- else -}}
- apiGroups: ['*']
  resources: ['*']
  verbs: ['*']
{{- end -}}
{{- end -}}

{{/* FLOTILLA_CLUSTER_LABELS: the map as k=v,k2=v2 (sorted by key). */}}
{{- define "flotilla-agent.clusterLabels" -}}
{{- $pairs := list -}}
{{- range $key, $value := .Values.clusterLabels -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}
