// The language of the pages, over real HTTP: chosen from the sign-in request's `ui_locales` (which
// wins) or the browser's Accept-Language; French really shows French (lang="fr"), Arabic is laid
// out right to left (dir="rtl", Bootstrap's RTL stylesheet); the error pages say what happened in
// the person's words, the engine's code in small print, never the engine's own message, and lead
// back to the application when SSO knows it.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type * as oidc from 'openid-client';
import { chooseLocale } from '../../interactions/i18n/locales.ts';
import { authorizationRequest, discover, REDIRECT_URI } from '../support/flows.ts';
import { startTestSso, type TestSso } from '../support/sso.ts';
import { formTo, page, UserAgent } from '../support/user-agent.ts';

describe('choosing the language', () => {
  test.each([
    [undefined, 'fr-CA,fr;q=0.9,en;q=0.8', 'fr'],
    [undefined, 'de-DE, en;q=0.5, fr;q=0.7', 'fr'],
    [undefined, 'fr;q=0, en', 'en'],
    [undefined, 'ar-EG', 'ar'],
    [undefined, '*', 'en'],
    [undefined, 'de, nl', 'en'],
    [undefined, undefined, 'en'],
    [undefined, ';;;,,q=x', 'en'],
    ['fr', 'en', 'fr'],
    ['de ar-SA fr', 'fr', 'ar'],
    ['de', 'fr', 'fr'],
    [['fr'], 'en', 'en'],
  ])('ui_locales %j with Accept-Language %j: %s', (uiLocales, acceptLanguage, locale) => {
    expect(chooseLocale(uiLocales, acceptLanguage)).toBe(locale);
  });
});

describe('pages in the person’s language', () => {
  let sso: TestSso;
  let app: oidc.Configuration;
  let ada: { username: string; password: string };

  beforeAll(async () => {
    sso = await startTestSso({ basePath: '/auth' });
    ada = await sso.user({ username: 'ada' });
    const client = await sso.client({
      type: 'confidential',
      name: 'Carnet',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI],
    });
    app = await discover(sso.issuer, client.clientId, client.secret);
  });
  afterAll(async () => {
    await sso?.stop();
  });

  const browser = (acceptLanguage?: string) =>
    new UserAgent({
      ssoOrigin: new URL(sso.issuer).origin,
      ...(acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {}),
    });
  const loginPage = async (agent: UserAgent, params: Record<string, string> = {}) =>
    page(await agent.open((await authorizationRequest(app, params)).url.href));

  test('discovery names the languages ui_locales can ask for', async () => {
    const metadata = app.serverMetadata() as { ui_locales_supported?: string[] };
    expect(metadata.ui_locales_supported).toEqual(['en', 'fr', 'ar']);
  });

  test('a French browser gets the sign-in page in French, and its answers too', async () => {
    const agent = browser('fr-FR,fr;q=0.9,en;q=0.5');
    const login = await loginPage(agent);
    expect(login.html).toMatch(/^<!doctype html>\s*<html lang="fr" dir="ltr">/);
    expect(login.headers.get('content-language')).toBe('fr');
    expect(login.headers.get('vary')).toMatch(/accept-language/i);
    expect(login.html).toContain('<title>Connexion · SSO</title>');
    expect(login.html).toContain(
      '<label for="login" class="form-label">Nom d’utilisateur ou e-mail</label>',
    );
    expect(login.html).toContain('>Se connecter</button>');
    expect(login.html).toContain('pour continuer vers <strong>Carnet</strong>');
    expect(login.html).toContain('Mot de passe oublié ?');
    expect(login.html).not.toMatch(/Sign in|Password|Username/);

    const refused = page(
      await agent.submit(formTo(login, '/login'), { login: 'ada', password: 'not hers' }),
    );
    expect(refused.html).toContain(
      'id="login-error">Nom d’utilisateur ou mot de passe incorrect.</div>',
    );
    const consent = page(
      await agent.submit(formTo(refused, '/login'), { login: 'ada', password: ada.password }),
    );
    expect(consent.html).toContain('<title>Autoriser l’accès · SSO</title>');
    expect(consent.html).toContain('Savoir qui vous êtes');
    expect(consent.html).toContain('>Autoriser</button>');
  });

  test('ui_locales wins over Accept-Language; Arabic is laid out right to left', async () => {
    const login = await loginPage(browser('fr'), { ui_locales: 'ar-EG fr' });
    expect(login.html).toMatch(/<html lang="ar" dir="rtl">/);
    expect(login.html).toContain('/auth/assets/bootstrap.rtl.min.css');
    expect(login.html).not.toContain('/auth/assets/bootstrap.min.css');
    expect(login.html).toContain('>تسجيل الدخول</button>');
    expect(login.html).toContain('اسم المستخدم أو البريد الإلكتروني');
    const rtl = await fetch(`${sso.issuer}/assets/bootstrap.rtl.min.css`);
    expect(rtl.status).toBe(200);
    // Margins at the end of a line are on the left there.
    expect(await rtl.text()).toContain('.me-xl-0{margin-left:0!important}');

    const french = await loginPage(browser('ar'), { ui_locales: 'de fr-CA' });
    expect(french.html).toMatch(/<html lang="fr" dir="ltr">/);
    // A language we do not have falls to the browser's, then to English.
    const english = await loginPage(browser('de'), { ui_locales: 'nl' });
    expect(english.html).toMatch(/<html lang="en" dir="ltr">/);
    expect(english.html).toContain('>Sign in</button>');
  });

  test('the pages outside a sign-in follow the browser: forgot password in French', async () => {
    const forgot = page(await browser('fr').open(`${sso.issuer}/password/forgot`));
    expect(forgot.html).toMatch(/<html lang="fr"/);
    // Without mail set up here, the page says so, in French.
    expect(forgot.html).toContain(
      'La réinitialisation du mot de passe par e-mail n’est pas configurée ici',
    );
  });

  test('an expired sign-in page says so in words, with the code in small print, not the engine’s message', async () => {
    const agent = browser('fr');
    const login = await loginPage(agent);
    // The same form posted from a browser without the sign-in's cookie.
    const stranger = browser('fr');
    const answer = page(
      await stranger.submit(formTo(login, '/login'), { login: 'ada', password: 'x' }),
    );
    expect(answer.status).toBe(400);
    expect(answer.html).toContain(
      'Cette page de connexion a expiré, ou a été ouverte dans un autre navigateur.',
    );
    expect(answer.html).toContain('<code dir="ltr" id="error-code">invalid_request</code>');
    expect(answer.html).not.toContain('cookie not found');
    expect(answer.html).not.toContain('interaction session');

    const english = page(
      await browser().submit(formTo(login, '/login'), { login: 'ada', password: 'x' }),
    );
    expect(english.html).toContain(
      'This sign-in page has expired, or was opened in another browser.',
    );
  });

  test('an unregistered redirect URI: the way back leads to the app’s registered address, never the one asked', async () => {
    const url = (await authorizationRequest(app)).url;
    url.searchParams.set('redirect_uri', 'https://evil.example.test/steal');
    const error = page(await browser().open(url.href));
    expect(error.status).toBe(400);
    expect(error.html).toContain(
      'The application asked SSO to send you back to an address it has not registered',
    );
    expect(error.html).toContain(
      '<a class="btn btn-primary w-100" href="https://rp.example.test/" id="back-to-app">Back to Carnet</a>',
    );
    expect(error.html).not.toContain('evil.example.test');
    expect(error.html).not.toContain('registered redirect_uris');

    const unknown = page(
      await browser('fr').open(
        `${sso.issuer}/auth?client_id=nobody&response_type=code&scope=openid`,
      ),
    );
    expect(unknown.html).toContain(
      'L’application qui vous a envoyé ici n’est pas enregistrée auprès de SSO.',
    );
    expect(unknown.html).toContain('id="error-code">invalid_client</code>');
    expect(unknown.html).not.toContain('id="back-to-app"');
  });

  test('a page that is not there, in French', async () => {
    const missing = page(await browser('fr').open(`${sso.issuer}/nothing-here`));
    expect(missing.status).toBe(404);
    expect(missing.html).toContain('<title>Page introuvable · SSO</title>');
    expect(missing.html).toContain('Il n’y a rien à cette adresse.');
  });
});
