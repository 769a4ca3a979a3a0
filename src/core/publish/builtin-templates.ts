/**
 * The named templates every server has (ntfy 2.14's pre-defined templates): `X-Template: github`,
 * `grafana` or `alertmanager` turns that service's JSON webhook into a readable notification.
 * They are written for Herald; a file of the same name in `template-dir` replaces one.
 *
 * Each part is a Go text/template rendered against the webhook body; the result is trimmed, so
 * the leading and trailing line breaks of a part do not reach the notification.
 */
import type { TemplateFile } from '../../ports/template-files.js';

/**
 * GitHub sends one webhook shape per event and names the event only in a header, so the template
 * tells them apart by the fields each carries. Events without a branch of their own (and the
 * `ping` GitHub sends when a hook is created) get a generic line rather than a failed delivery.
 */
const GITHUB: TemplateFile = {
  title: `
{{- $repo := "GitHub" }}{{ with .repository }}{{ $repo = .full_name }}{{ end -}}
{{- if .pull_request -}}
  [{{ $repo }}] PR #{{ .pull_request.number }} {{ .action }}: {{ .pull_request.title }}
{{- else if and .comment .issue -}}
  [{{ $repo }}] {{ .comment.user.login }} commented on #{{ .issue.number }}: {{ .issue.title }}
{{- else if .issue -}}
  [{{ $repo }}] Issue #{{ .issue.number }} {{ .action }}: {{ .issue.title }}
{{- else if .release -}}
  [{{ $repo }}] Release {{ .release.tag_name }} {{ .action }}
{{- else if and .pusher .ref -}}
  [{{ $repo }}] {{ .pusher.name }} pushed {{ len .commits }} commit{{ if ne (len .commits) 1 }}s{{ end }} to {{ trimPrefix "refs/tags/" (trimPrefix "refs/heads/" .ref) }}
{{- else if and .starred_at (eq .action "created") -}}
  [{{ $repo }}] ⭐ Starred by {{ .sender.login }}
{{- else if eq .action "started" -}}
  [{{ $repo }}] 👀 {{ .sender.login }} is watching
{{- else if .zen -}}
  [{{ $repo }}] Webhook connected
{{- else -}}
  [{{ $repo }}] GitHub event{{ with .action }}: {{ . }}{{ end }}
{{- end }}`,
  message: `
{{- if .pull_request -}}
{{ .pull_request.head.ref }} → {{ .pull_request.base.ref }}, by {{ .pull_request.user.login }}
{{ with .pull_request.body }}
{{ trunc 2000 . }}
{{ end }}
{{ .pull_request.html_url }}
{{- else if and .comment .issue -}}
{{ trunc 2000 .comment.body }}

{{ .comment.html_url }}
{{- else if .issue -}}
Opened by {{ .issue.user.login }}
{{ with .issue.body }}
{{ trunc 2000 . }}
{{ end }}
{{ .issue.html_url }}
{{- else if .release -}}
{{ with .release.name }}{{ . }}
{{ end }}{{ with .release.body }}
{{ trunc 2000 . }}
{{ end }}
{{ .release.html_url }}
{{- else if and .pusher .ref -}}
{{ range .commits }}• {{ trunc 7 .id }} {{ trunc 200 .message }} ({{ .author.name }})
{{ end }}
{{ .compare }}
{{- else if and .starred_at (eq .action "created") -}}
{{ .sender.html_url }} starred {{ .repository.html_url }}
{{- else if eq .action "started" -}}
{{ .sender.html_url }} watches {{ .repository.html_url }}
{{- else if .zen -}}
{{ .zen }}
{{- else -}}
{{ with .sender }}Sent by {{ .login }}{{ end }}{{ with .repository }}
{{ .html_url }}{{ end }}
{{- end }}`,
};

/** Grafana's webhook contact point already carries a rendered `title` and `message`. */
const GRAFANA: TemplateFile = {
  title: `
{{- if eq .status "resolved" }}✅ {{ .title | default "Grafana alert resolved" }}
{{- else if eq .status "firing" }}🔥 {{ .title | default "Grafana alert firing" }}
{{- else }}{{ .title | default "Grafana alert" }}
{{- end }}`,
  message: `
{{- with .message }}{{ trunc 2000 . }}
{{- else }}{{ range .alerts }}{{ .labels.alertname }}: {{ .status }}{{ with .annotations.summary }} — {{ . }}{{ end }}
{{ end }}{{ end }}`,
};

/** Alertmanager groups alerts; the title names the group, the message lists every alert in it. */
const ALERTMANAGER: TemplateFile = {
  title: `
{{- $name := .commonLabels.alertname }}{{ if not $name }}{{ with index .alerts 0 }}{{ $name = .labels.alertname }}{{ end }}{{ end -}}
{{- if eq .status "firing" }}🔥 [FIRING:{{ len .alerts }}] {{ $name }}
{{- else if eq .status "resolved" }}✅ [RESOLVED] {{ $name }}
{{- else }}[{{ upper .status }}] {{ $name }}
{{- end }}`,
  message: `
{{- range .alerts -}}
{{ .labels.alertname }} is {{ .status }}{{ with .labels.severity }} (severity {{ . }}){{ end }}{{ with .labels.instance }} on {{ . }}{{ end }}
{{ with .annotations.summary }}{{ . }}
{{ end }}{{ with .annotations.description }}{{ . }}
{{ end }}Since {{ .startsAt }}{{ if eq .status "resolved" }}, until {{ .endsAt }}{{ end }}
{{ with .generatorURL }}{{ . }}
{{ end }}
{{ end }}`,
};

export const BUILTIN_TEMPLATES: ReadonlyMap<string, TemplateFile> = new Map([
  ['github', GITHUB],
  ['grafana', GRAFANA],
  ['alertmanager', ALERTMANAGER],
]);
