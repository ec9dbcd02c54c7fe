/** HTML helpers for the signup app: every value from a user goes through {@link escapeHtml}. */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for use in element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A whole page around `body` (already-escaped HTML). */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Acme</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1f2328; }
  label { display: block; margin: 1rem 0 0.25rem; font-weight: 600; }
  input { width: 100%; padding: 0.5rem; font-size: 1rem; box-sizing: border-box; }
  button { margin-top: 1rem; padding: 0.5rem 1rem; font-size: 1rem; }
  .error { color: #b42318; background: #fef3f2; padding: 0.5rem 0.75rem; border-radius: 4px; }
  .info { color: #075985; background: #f0f9ff; padding: 0.5rem 0.75rem; border-radius: 4px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** `<p role="alert">` for errors and `<p role="status">` for notices, or nothing. */
export function notice(kind: 'error' | 'info', text: string | undefined): string {
  if (!text) return '';
  const role = kind === 'error' ? 'alert' : 'status';
  return `<p class="${kind}" role="${role}">${escapeHtml(text)}</p>`;
}
