/** The built-in page: subscribe to a topic over SSE and publish to it, with no build step. */
export function topicPage(topic: string | undefined): string {
  const title = topic ? `${topic} · Herald` : 'Herald';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#1d2330}
h1{font-size:1.4rem} form{display:flex;gap:.5rem;margin:1rem 0} input{flex:1;padding:.45rem}
button{padding:.45rem .9rem} li{list-style:none;border-bottom:1px solid #e3e6ee;padding:.6rem 0}
.meta{color:#6b7385;font-size:.8rem} .title{font-weight:600}
</style></head>
<body>
<h1>Herald</h1>
<form id="pick"><input id="topic" placeholder="topic name" pattern="[-_A-Za-z0-9]{1,64}" required><button>Open</button></form>
<form id="send" hidden><input id="text" placeholder="message"><button>Publish</button></form>
<ul id="log"></ul>
<script>
const initial = ${JSON.stringify(topic ?? '')};
const $ = (id) => document.getElementById(id);
let source;
function open(topic) {
  if (source) source.close();
  $('topic').value = topic; $('send').hidden = false; $('log').textContent = '';
  history.replaceState(null, '', '/' + topic);
  source = new EventSource('/' + encodeURIComponent(topic) + '/sse?since=all');
  source.onmessage = (e) => {
    const m = JSON.parse(e.data); const li = document.createElement('li');
    const meta = document.createElement('div'); meta.className = 'meta';
    meta.textContent = new Date(m.time * 1000).toLocaleString() + (m.tags ? ' · ' + m.tags.join(', ') : '');
    li.append(meta);
    if (m.title) { const t = document.createElement('div'); t.className = 'title'; t.textContent = m.title; li.append(t); }
    const body = document.createElement('div'); body.textContent = m.message; li.append(body);
    $('log').prepend(li);
  };
}
$('pick').onsubmit = (e) => { e.preventDefault(); open($('topic').value); };
$('send').onsubmit = async (e) => { e.preventDefault(); await fetch('/' + $('topic').value, { method: 'POST', body: $('text').value }); $('text').value = ''; };
if (initial) open(initial);
</script>
</body></html>
`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
