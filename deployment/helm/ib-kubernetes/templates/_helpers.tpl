{{/* Labels Helm conventions add to every object (the plain manifests carry none of them). */}}
{{- define "ibk.chartLabels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Selector labels of one component (watcher or worker); never change them on upgrade. */}}
{{- define "ibk.selectorLabels" -}}
app.kubernetes.io/name: ib-kubernetes
app.kubernetes.io/component: {{ . }}
{{- end -}}

{{- define "ibk.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "ibk.ufmSecretName" -}}
{{ .Values.ufm.existingSecret | default (printf "%s-ufm-secret" .Values.name) }}
{{- end -}}

{{/* The pod-level scheduling and image settings both Deployments share. */}}
{{- define "ibk.podScheduling" -}}
{{- with .component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Temporal credentials: the optional Secret of environment variables, then mTLS files. */}}
{{- define "ibk.temporalEnvFrom" -}}
{{- with .Values.temporal.credentialsSecret }}
- secretRef:
    name: {{ . }}
    optional: true
{{- end }}
{{- end -}}

{{- define "ibk.temporalEnv" -}}
{{- if .Values.temporal.mtlsSecret }}
- name: TEMPORAL_TLS_CERT
  value: /etc/ib-kubernetes/temporal-tls/tls.crt
- name: TEMPORAL_TLS_KEY
  value: /etc/ib-kubernetes/temporal-tls/tls.key
- name: TEMPORAL_TLS_CA
  value: /etc/ib-kubernetes/temporal-tls/ca.crt
{{- end }}
{{- with .Values.temporal.tlsServerName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{- define "ibk.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.temporal.mtlsSecret }}
- name: temporal-tls
  mountPath: /etc/ib-kubernetes/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "ibk.volumes" -}}
# The root filesystem is read-only; Node and the SDK may still want a scratch directory.
- name: tmp
  emptyDir: {}
{{- with .Values.temporal.mtlsSecret }}
- name: temporal-tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "ibk.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ['ALL']
{{- end -}}

{{- define "ibk.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "ibk.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  periodSeconds: 10
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  periodSeconds: 5
{{- end -}}

{{- define "ibk.scrapeAnnotations" -}}
{{- if .Values.metrics.scrapeAnnotations }}
prometheus.io/scrape: 'true'
prometheus.io/port: '8080'
prometheus.io/path: /metrics
{{- end }}
{{- end -}}
