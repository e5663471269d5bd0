import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('../helpers/fake-electron.ts'));

const fake = await import('../helpers/fake-electron.ts');
const { createFarmWindow, confineToOrigin } = await import('../../electron/main/secure-window.ts');
const { secureSession } = await import('../../electron/main/secure-session.ts');
const { externalLinkProblem } = await import('../../electron/main/external-links.ts');
const { CONTENT_SECURITY_POLICY } = await import('../../core/http/content-security-policy.ts');

const origin = 'http://127.0.0.1:19211';

beforeEach(() => fake.resetFake('/nonexistent'));

describe('the farm window', () => {
  it('is isolated, sandboxed, without Node, with web security, and loads the preload', () => {
    const window = createFarmWindow({ url: `${origin}/`, origin, preload: '/app/out/preload/index.cjs' });
    const prefs = (window as unknown as InstanceType<typeof fake.FakeBrowserWindow>).options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(fake.recorded.windows[0].webContents.loaded).toEqual([`${origin}/`]);
  });
});

describe('navigation and new windows', () => {
  const contents = () => {
    const c = new fake.FakeWebContents();
    confineToOrigin(c as never, origin);
    return c;
  };
  const navigate = (c: InstanceType<typeof fake.FakeWebContents>, url: string, name = 'will-navigate') => {
    const event = fake.fakeEvent();
    c.emit(name, event, url);
    return event.defaultPrevented;
  };

  it('lets the page move within the farm origin', () => {
    const c = contents();
    expect(navigate(c, `${origin}/jobs/12`)).toBe(false);
    expect(fake.recorded.openedExternally).toEqual([]);
  });

  it('stops navigation to another origin; a safe https link goes to the system browser instead', () => {
    const c = contents();
    expect(navigate(c, 'https://docs.aws.amazon.com/ec2/')).toBe(true);
    expect(navigate(c, 'http://127.0.0.1:8080/')).toBe(true); // another port is another origin
    expect(navigate(c, 'file:///etc/passwd')).toBe(true);
    expect(navigate(c, 'https://evil.example/', 'will-redirect')).toBe(true);
    expect(fake.recorded.openedExternally).toEqual(['https://docs.aws.amazon.com/ec2/', 'http://127.0.0.1:8080/', 'https://evil.example/']);
  });

  it('never opens a window: same-origin loads in place, safe links go outside, the rest nowhere', () => {
    const c = contents();
    const open = (url: string) => c.windowOpenHandler!({ url });
    expect(open(`${origin}/jobs/3/log`)).toEqual({ action: 'deny' });
    expect(c.loaded).toEqual([`${origin}/jobs/3/log`]);
    expect(open('https://aws.amazon.com/')).toEqual({ action: 'deny' });
    expect(open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(open('https://xn--mazon-3ve.com/')).toEqual({ action: 'deny' });
    expect(fake.recorded.openedExternally).toEqual(['https://aws.amazon.com/']);
  });

  it('refuses webviews', () => {
    const c = contents();
    expect(navigate(c, 'https://x.example/', 'will-attach-webview')).toBe(true);
  });
});

describe('links handed to the system browser', () => {
  it.each([
    ['https://console.aws.amazon.com/ec2/home?region=eu-west-1', undefined],
    ['http://render-viewer.studio.lan:8080/shot/010', undefined],
    ['file:///etc/passwd', 'file: links are not opened'],
    ['javascript:alert(document.cookie)', 'javascript: links are not opened'],
    ['data:text/html,<script>alert(1)</script>', 'data: links are not opened'],
    ['vscode://file/etc/passwd', 'vscode: links are not opened'],
    ['https://aws.amazon.com@evil.example/', 'links with a user name or password are not opened'],
    ['https://user:secret@example.com/', 'links with a user name or password are not opened'],
    ['https://аmazon.com/', 'the host xn--mazon-3ve.com is an internationalized name (a possible look-alike)'],
    ['https://xn--80ak6aa92e.com/', 'the host xn--80ak6aa92e.com is an internationalized name (a possible look-alike)'],
    ['https://exa mple.com/', 'the link contains spaces or control characters'],
    ['https://example.com/\n', 'the link contains spaces or control characters'],
    ['not a url', 'the link contains spaces or control characters'],
    ['nourl', 'not a valid URL'],
  ])('%s → %s', (url, problem) => {
    expect(externalLinkProblem(url)).toBe(problem);
  });
});

describe('the session', () => {
  const s = fake.session.defaultSession;
  const run = (listener: { listener: (d: Record<string, unknown>, cb: (r: Record<string, unknown>) => void) => void }, details: Record<string, unknown>) => {
    let response: Record<string, unknown> | undefined;
    listener.listener(details, (r) => (response = r));
    return response!;
  };

  it('adds the admin token to requests to the farm origin only; the filter names only that origin', () => {
    secureSession(s as never, origin, 'admin-secret');
    expect(s.beforeSendHeaders!.filter.urls).toEqual([`${origin}/*`]);
    const home = run(s.beforeSendHeaders!, { url: `${origin}/api/jobs`, requestHeaders: { Accept: 'application/json' } });
    expect(home.requestHeaders).toEqual({ Accept: 'application/json', Authorization: 'Bearer admin-secret' });
    // Should a request of another origin reach the listener (a filter mistake), it gets no token.
    const away = run(s.beforeSendHeaders!, { url: 'http://127.0.0.1:19211.evil.example/', requestHeaders: {} });
    expect(away.requestHeaders).toEqual({});
  });

  it('sets the Content-Security-Policy on the farm origin, replacing whatever the server sent', () => {
    secureSession(s as never, origin, 'admin-secret');
    expect(s.headersReceived!.filter.urls).toEqual([`${origin}/*`]);
    const r = run(s.headersReceived!, { url: `${origin}/`, responseHeaders: { 'content-type': ['text/html'], 'content-security-policy': ["script-src *"] } });
    expect(r.responseHeaders).toEqual({ 'content-type': ['text/html'], 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] });
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval|\*)/);
  });

  it('denies every permission request and check', () => {
    secureSession(s as never, origin, undefined);
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) s.permissionRequestHandler!({}, permission, (granted) => answers.push(granted));
    expect(answers).toEqual([false, false, false, false, false]);
    expect(s.permissionCheckHandler!({}, 'media', origin, {})).toBe(false);
  });

  it('sends no Authorization header when auth is off', () => {
    secureSession(s as never, origin, undefined);
    expect(run(s.beforeSendHeaders!, { url: `${origin}/api/jobs`, requestHeaders: {} }).requestHeaders).toEqual({});
  });
});
