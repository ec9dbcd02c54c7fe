import type { SandboxState } from '../core/state-snapshot.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML element content and quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * The `GET /sandbox` page for local debugging: every activation with its SMS, and a form that
 * sends an SMS through `POST /sandbox/sms`. SMS texts come from whoever calls the carrier, so
 * everything is escaped.
 */
export function renderDebugPage(state: SandboxState): string {
  const smsBy = new Map<number, string[]>();
  for (const sms of state.sms)
    smsBy.set(sms.activationId, [...(smsBy.get(sms.activationId) ?? []), sms.text]);
  const rows = [...state.activations]
    .reverse()
    .map((a) => {
      const texts = (smsBy.get(a.id) ?? []).map((t) => `<li>${escapeHtml(t)}</li>`).join('');
      return (
        `<tr><td>${a.id}</td><td>+${escapeHtml(String(a.number))}</td><td>${escapeHtml(a.serviceId ?? '')}</td>` +
        `<td>${escapeHtml(a.countryId ?? '')}</td><td>${escapeHtml(a.status)}</td><td><ul>${texts}</ul></td></tr>`
      );
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TempNumber sandbox</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}ul{margin:0;padding-left:1.2em}</style>
</head><body>
<h1>TempNumber sandbox</h1>
<p>API clock: ${escapeHtml(new Date(state.now).toISOString())} (time scale ${state.timeScale}×) ·
requests: ${state.requests} · rate-limited: ${state.rateLimited}</p>
<form id="sms"><label>To <input name="to" placeholder="+18454123223" required></label>
<label>Text <input name="text" size="40" placeholder="Your code is 123456" required></label>
<button>Send SMS</button> <output></output></form>
<table><thead><tr><th>id</th><th>number</th><th>service</th><th>country</th><th>status</th><th>SMS</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">No activations yet.</td></tr>'}
</tbody></table>
<script>
document.getElementById('sms').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const res = await fetch('/sandbox/sms', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: form.get('to'), text: form.get('text') }) });
  if (res.ok) location.reload();
  else event.target.querySelector('output').textContent = (await res.json()).errorMessage;
});
</script>
</body></html>
`;
}
