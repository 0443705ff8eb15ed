// The organisation's name, logo, colour and links from configuration (SSO_BRAND_*): refused at
// start-up when unusable, and really on the pages, in the stylesheet the pages load and in the mails,
// read over real HTTP from a running SSO and from a real SMTP server. The contrast of the generated
// colours is checked with the WCAG 2 formula written out here, not the one SSO uses.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadConfig } from '../../provider/config.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { Mailbox } from '../support/mailbox.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

const BRAND = {
  SSO_BRAND_NAME: 'Acme Corp',
  SSO_BRAND_LOGO_URL: 'https://cdn.acme.example/logo.svg',
  SSO_BRAND_PRIMARY_COLOR: '#B52',
  SSO_BRAND_HELP_URL: 'https://help.acme.example/sign-in',
  SSO_BRAND_PRIVACY_URL: '/legal/privacy',
  SSO_BRAND_TERMS_URL: 'https://acme.example/terms',
};

// WCAG 2.x relative luminance and contrast ratio (https://www.w3.org/TR/WCAG22/#dfn-contrast-ratio).
function ratio(a: string, b: string): number {
  const lum = (color: string) => {
    const n = parseInt(color.slice(1), 16);
    const [r, g, bl] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

const property = (css: string, name: string) =>
  new RegExp(`${name}:\\s*(#[0-9a-f]{6})`).exec(css)?.[1];

describe('branding configuration', () => {
  test('values are read: a short hex colour is expanded, paths and https URLs kept', () => {
    const { brand } = loadConfig(BRAND);
    expect(brand).toEqual({
      name: 'Acme Corp',
      logoUrl: 'https://cdn.acme.example/logo.svg',
      primaryColor: '#bb5522',
      helpUrl: 'https://help.acme.example/sign-in',
      privacyUrl: '/legal/privacy',
      termsUrl: 'https://acme.example/terms',
    });
  });

  test('the default is neutral: the name SSO, no logo, colour or links', () => {
    expect(loadConfig({}).brand).toEqual({
      name: 'SSO',
      logoUrl: undefined,
      primaryColor: undefined,
      helpUrl: undefined,
      privacyUrl: undefined,
      termsUrl: undefined,
    });
  });

  test.each([
    ['SSO_BRAND_PRIMARY_COLOR', 'red', /hex colour/],
    ['SSO_BRAND_PRIMARY_COLOR', '#12345', /hex colour/],
    ['SSO_BRAND_PRIMARY_COLOR', 'url(x)', /hex colour/],
    ['SSO_BRAND_LOGO_URL', 'http://cdn.acme.example/logo.svg', /https/],
    ['SSO_BRAND_LOGO_URL', '//cdn.acme.example/logo.svg', /https/],
    ['SSO_BRAND_HELP_URL', 'javascript:alert(1)', /https/],
    ['SSO_BRAND_PRIVACY_URL', 'privacy.html', /https/],
    ['SSO_BRAND_TERMS_URL', 'https://acme.example/"><script>', /https/],
    ['SSO_BRAND_NAME', '  ', /1-80 characters/],
    ['SSO_BRAND_NAME', 'Acme\nCorp', /1-80 characters/],
  ])('%s=%j stops start-up with a message naming the variable', (variable, value, why) => {
    const start = () => loadConfig({ [variable]: value });
    expect(start).toThrow(new RegExp(`^invalid configuration: ${variable} `));
    expect(start).toThrow(why);
  });
});

describe('a branded SSO', () => {
  let sso: TestSso;
  let mailbox: Mailbox;
  let agent: UserAgent;

  beforeAll(async () => {
    mailbox = await Mailbox.start();
    sso = await startTestSso({
      basePath: '/auth',
      env: { ...BRAND, SSO_SMTP_URL: mailbox.url, SSO_MAIL_FROM: 'Acme <id@acme.example>' },
    });
    agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
  });
  afterAll(async () => {
    await sso?.stop();
    await mailbox?.stop();
  });

  const loginPage = async () => {
    const client = await sso.client({
      type: 'confidential',
      name: 'Branded App',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
    });
    const app = await discover(sso.issuer, client.clientId, client.secret);
    return page(await agent.open((await authorizationRequest(app)).url.href));
  };

  test('the login page shows the name, the logo and the links, and loads the brand stylesheet', async () => {
    const login = await loginPage();
    expect(login.html).toMatch(/<title>[^<]* · Acme Corp<\/title>/);
    expect(login.html).toContain(
      '<img src="https://cdn.acme.example/logo.svg" alt="Acme Corp" class="sso-logo" id="brand-logo">',
    );
    expect(login.html).toContain('href="https://help.acme.example/sign-in" id="brand-help"');
    expect(login.html).toContain('href="/legal/privacy" id="brand-privacy"');
    expect(login.html).toContain('href="https://acme.example/terms" id="brand-terms"');
    // The logo's origin may serve images, and nothing else was loosened.
    const csp = login.headers.get('content-security-policy')!;
    expect(csp).toContain("img-src 'self' data: https://cdn.acme.example;");
    expect(csp).toContain("style-src 'self';");
    expect(login.html).not.toMatch(/<style|style="/);
    const href = /<link rel="stylesheet" href="([^"]*brand\.css[^"]*)">/.exec(login.html)?.[1];
    expect(href).toMatch(/^\/auth\/assets\/brand\.css\?v=[0-9a-f]{12}$/);

    const css = await fetch(new URL(href!, sso.issuer));
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const text = await css.text();
    expect(property(text, '--sso-primary')).toBe('#bb5522');
    expect(text).toMatch(/\.btn-primary \{[^}]*--bs-btn-bg: var\(--sso-primary\)/);
    // What sits on the colour, and the links derived from it, read at WCAG AA (4.5:1).
    expect(ratio(property(text, '--sso-on-primary')!, '#bb5522')).toBeGreaterThanOrEqual(4.5);
    expect(ratio(property(text, '--sso-link')!, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  test('the pages outside sign-in carry the brand too (forgot password, errors)', async () => {
    const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
    expect(forgot.html).toContain('id="brand-logo"');
    expect(forgot.html).toContain('brand.css');
    const error = page(await agent.open(`${sso.issuer}/auth?client_id=nobody`));
    expect(error.status).toBe(400);
    expect(error.html).toContain('id="brand-logo"');
    expect(error.html).toContain('id="brand-help"');
  });

  test('the password-reset mail is signed with the name and shows the logo and colour', async () => {
    await sso.user({ username: 'ada', email: 'ada@acme.example' });
    const forgot = page(await agent.open(`${sso.issuer}/password/forgot`));
    await agent.submit(formTo(forgot, '/password/forgot'), { login: 'ada' });
    await sso.background.idle();
    const [mail] = mailbox.to('ada@acme.example');
    expect(mail!.text).toContain('-- Acme Corp (');
    expect(mail!.text).not.toContain('SSO');
    expect(mail!.html).toContain('<img src="https://cdn.acme.example/logo.svg" alt="Acme Corp"');
    expect(mail!.html).toMatch(
      /<a href="[^"]*\/password\/reset\?token=[^"]*" style="[^"]*background:#bb5522/,
    );
  });
});

describe('an SSO without branding', () => {
  let sso: TestSso;
  beforeAll(async () => {
    sso = await startTestSso({});
  });
  afterAll(async () => {
    await sso?.stop();
  });

  test('pages say SSO, with no logo, no links, and a stylesheet without colours', async () => {
    const agent = new UserAgent({ ssoOrigin: new URL(sso.issuer).origin });
    const error = page(await agent.open(`${sso.issuer}/auth?client_id=nobody`));
    expect(error.html).toMatch(/<title>[^<]* · SSO<\/title>/);
    expect(error.html).toContain('<span class="fs-5 fw-semibold" id="brand-name">SSO</span>');
    expect(error.html).not.toContain('id="brand-logo"');
    expect(error.html).not.toContain('id="brand-links"');
    expect(error.headers.get('content-security-policy')).toContain("img-src 'self' data:;");
    const href = /href="([^"]*brand\.css[^"]*)"/.exec(error.html)![1]!;
    const css = await (await fetch(new URL(href, sso.issuer))).text();
    expect(css).not.toMatch(/#[0-9a-f]{6}/);
  });
});
