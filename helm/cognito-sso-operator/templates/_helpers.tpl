{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "cognito-sso-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects: fullnameOverride, else the release name when it already contains the
chart name, else <release>-<chart>; truncated to 63 characters.
*/}}
{{- define "cognito-sso-operator.fullname" -}}
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

{{- define "cognito-sso-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cognito-sso-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cognito-sso-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of every object, without app.kubernetes.io/component. */}}
{{- define "cognito-sso-operator.commonLabels" -}}
helm.sh/chart: {{ include "cognito-sso-operator.chart" . }}
{{ include "cognito-sso-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: cognito-sso-operator
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "cognito-sso-operator.labels" -}}
{{ include "cognito-sso-operator.commonLabels" . }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "cognito-sso-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cognito-sso-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cognito-sso-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
The namespaces the operator watches: empty in all-namespaces mode. Fails the render when namespaced mode
has no namespace (values.schema.json says the same; this also covers --set on old Helm versions).
*/}}
{{- define "cognito-sso-operator.watchNamespaces" -}}
{{- if not .Values.watch.allNamespaces }}
{{- if not .Values.watch.namespaces }}
{{- fail "watch.namespaces must list at least one namespace when watch.allNamespaces is false" }}
{{- end }}
{{- join "," .Values.watch.namespaces }}
{{- end }}
{{- end }}

{{/*
Rules for the objects the operator reads and writes inside a watched namespace. Used by the ClusterRole
(all-namespaces mode) and by every per-namespace Role (namespaced mode). Never "*".
*/}}
{{- define "cognito-sso-operator.namespacedRules" -}}
# The custom resource: kopf lists/watches it, patches finalizers and its own annotations.
- apiGroups: ["cognito-sso.dev"]
  resources: ["cognitossos"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["cognito-sso.dev"]
  resources: ["cognitossos/status"]
  verbs: ["get", "patch", "update"]
# Secrets: read the referenced client secret (watched for rotation) and write the operator-owned
# credentials / Helm-values Secrets. RBAC cannot restrict writes to owned objects, so write verbs apply to
# every Secret in scope; the operator only ever writes objects it labels and owns.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# The rendered env ConfigMap (and Helm values when kind is ConfigMap).
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "patch", "update", "delete"]
# The OpenMetadata workload: read rollout state, patch the pod-template hash annotation.
- apiGroups: ["apps"]
  resources: ["deployments", "statefulsets"]
  verbs: ["get", "list", "watch", "patch"]
# The remove-security-config Job (spec.target.storedConfig: Reset).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["create", "get", "list", "watch", "delete"]
# Kubernetes events about what the operator did.
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end }}

{{- define "cognito-sso-operator.peeringHook" -}}
helm.sh/hook: post-install,post-upgrade
helm.sh/hook-weight: "0"
helm.sh/hook-delete-policy: before-hook-creation
{{- end }}
