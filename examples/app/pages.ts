/** The app's pages. Values are escaped here, at the one place they meet HTML. */
import { escapeHtml as e, layout, notice } from './html.ts';
import type { Signup } from './signup-store.ts';

export interface SignupForm {
  name?: string;
  phone?: string;
  invite?: string | undefined;
  error?: string | undefined;
}

export function signupPage(form: SignupForm = {}): string {
  const invite = form.invite
    ? `<p role="status">You were invited to Acme (invite ${e(form.invite)}).</p>
<input type="hidden" name="invite" value="${e(form.invite)}">`
    : '';
  return layout(
    'Create your Acme account',
    `${notice('error', form.error)}
<form method="post" action="/signup">
${invite}
<label for="name">Name</label>
<input id="name" name="name" autocomplete="name" required value="${e(form.name ?? '')}">
<label for="phone">Phone</label>
<input id="phone" name="phone" type="tel" autocomplete="tel" placeholder="+1 845 412 3223" required value="${e(form.phone ?? '')}">
<button type="submit">Send code</button>
</form>`,
  );
}

export interface VerifyView {
  error?: string | undefined;
  info?: string | undefined;
}

export function verifyPage(signup: Signup, view: VerifyView = {}): string {
  const id = e(signup.id);
  return layout(
    'Verify your phone',
    `${notice('error', view.error)}${notice('info', view.info)}
<p>We sent a 6-digit code to <strong>${e(signup.phone)}</strong>.</p>
<form method="post" action="/verify">
<input type="hidden" name="signup" value="${id}">
<label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<button type="submit">Verify</button>
</form>
<form method="post" action="/resend">
<input type="hidden" name="signup" value="${id}">
<button type="submit">Resend code</button>
</form>`,
  );
}

export function welcomePage(signup: Signup): string {
  return layout(`Welcome, ${signup.name}`, `<p>Your phone ${e(signup.phone)} is verified.</p>`);
}

export function notFoundPage(what: string): string {
  return layout('Not found', `<p>${e(what)}</p><p><a href="/signup">Start again</a></p>`);
}

/**
 * The SMS the app sends. An invite puts its number *before* the code, the way real messages
 * often carry an order or reference number: that is the case `phoneCodePattern` is for.
 */
export function smsText(code: string, invite: string | undefined): string {
  const main = `verification code is ${code}. It expires in 10 minutes.`;
  return invite ? `Acme invite ${invite}: your ${main}` : `Your Acme ${main}`;
}
