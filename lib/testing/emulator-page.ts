import type { App2WxappEmulator } from './app2wxapp.emulator';
import { escapeHtml, NAMED_FAULTS, FAULT_TARGETS } from './emulator-http';

/**
 * The control page at `GET /__emulator/`: the control API by hand (issue a ticket or app-launch codes for a person,
 * block or delete them, queue a fault, expire a ticket, move the clock). Self-contained: no external asset, nothing
 * fetched but the control API on this origin. Every value rendered into the HTML is escaped; answers are shown with
 * `textContent`. The script runs under a per-response nonce.
 */
export function emulatorPage(emulator: App2WxappEmulator, nonce: string): string {
  const options = (values: readonly string[]) => values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('');
  const pools = options(emulator.userPoolIds);
  const apps = emulator.appLaunch.appIds;
  const appSection = apps.length
    ? `<section><h2>App-launch codes (v3)</h2>
<form data-action="codes">
<label>app <select name="appId">${options(apps)}</select></label>
<label>unionid <input name="unionid" placeholder="new person"></label>
<label>nickname <input name="nickname"></label>
<label>phone <input name="phone"></label>
<button>Issue codes</button></form>
<form data-action="app-user">
<label>unionid <input name="unionid" required></label>
<label>status <select name="status"><option value="">(unchanged)</option>${options(['Activated', 'Suspended', 'Deactivated', 'Resigned', 'Archived'])}</select></label>
<label>signin step <select name="step"><option value="">(unchanged)</option><option value="none">none</option>${options(['1576', '1636', '1639', '1640', '1641', '1642', '2921'])}</select></label>
<label>locked <select name="locked"><option value="">(unchanged)</option><option>true</option><option>false</option></select></label>
<button>Apply</button></form></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>App2Wxapp EMULATOR</title>
<style nonce="${nonce}">
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;max-width:60rem}
.banner{background:#b00020;color:#fff;padding:.6rem 1rem;font-weight:700}
section{border:1px solid #ccc;padding:.5rem 1rem;margin:1rem 0}
form{margin:.4rem 0}label{margin-right:.6rem}
pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap;word-break:break-all}
</style></head><body>
<p class="banner">EMULATOR — this is not Authing. It mints logins for anyone who asks.</p>
<p>Authing host: <code>${escapeHtml(emulator.url)}</code></p>
<section><h2>Ticket (app2wxapp)</h2>
<form data-action="ticket">
<label>pool <select name="userPoolId">${pools}</select></label>
<label>unionid <input name="unionid" placeholder="new person"></label>
<label>nickname <input name="nickname"></label>
<label>phone <input name="phone"></label>
<button>Issue ticket</button></form>
<form data-action="user">
<label>pool <select name="userPoolId">${pools}</select></label>
<label>unionid <input name="unionid" required></label>
<select name="verb">${options(['block', 'unblock', 'delete', 'undelete'])}</select>
<button>Apply</button></form>
<form data-action="expire"><label>ticket <input name="ticket" required size="50"></label><button>Expire</button></form>
</section>
${appSection}
<section><h2>Faults and time</h2>
<form data-action="fault">
<select name="fault">${options(NAMED_FAULTS)}</select>
<label>times <input name="times" type="number" min="1" max="1000" value="1"></label>
<label>on <select name="on">${options(FAULT_TARGETS)}</select></label>
<button>Queue fault</button></form>
<form data-action="clock"><label>advance clock by (ms) <input name="advanceMs" type="number" min="0" value="120000"></label><button>Advance</button></form>
</section>
<h2>Answer</h2><pre id="out">(nothing yet)</pre>
<script nonce="${nonce}">
const out = document.getElementById('out');
const routes = {
  ticket: (f) => ['tickets', person(f, { userPoolId: f.userPoolId })],
  user: (f) => ['users/' + encodeURIComponent(f.unionid) + '/' + f.verb, { userPoolId: f.userPoolId }],
  expire: (f) => ['tickets/' + encodeURIComponent(f.ticket) + '/expire', {}],
  codes: (f) => ['codes', person(f, { appId: f.appId })],
  'app-user': (f) => ['app-users/' + encodeURIComponent(f.unionid), appUser(f)],
  fault: (f) => ['faults', { fault: f.fault, times: Number(f.times), on: f.on }],
  clock: (f) => ['clock', { advanceMs: Number(f.advanceMs) }],
};
function person(f, extra) {
  const body = { ...extra };
  for (const key of ['unionid', 'nickname', 'phone']) if (f[key]) body[key] = f[key];
  return body;
}
function appUser(f) {
  const body = {};
  if (f.status) body.status = f.status;
  if (f.step) body.step = f.step === 'none' ? null : Number(f.step);
  if (f.locked) body.locked = f.locked === 'true';
  return body;
}
for (const form of document.querySelectorAll('form[data-action]')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const [path, body] = routes[form.dataset.action](Object.fromEntries(new FormData(form)));
    try {
      const res = await fetch('/__emulator/' + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      out.textContent = res.status + '\\n' + JSON.stringify(await res.json(), null, 2);
    } catch (error) {
      out.textContent = String(error);
    }
  });
}
</script></body></html>
`;
}
