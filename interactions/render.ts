// Renders a page from interactions/views with the locals every page needs: the paths, the
// organisation's brand, and the translator of the page's language (i18n/locales.ts).
import type { Context } from 'koa';
import { pageBrand, type PageBrand } from './branding.ts';
import { chooseLocale, translator, type Text, type Translator } from './i18n/locales.ts';

const DEFAULT_BRAND = pageBrand(
  {
    name: 'SSO',
    logoUrl: undefined,
    primaryColor: undefined,
    helpUrl: undefined,
    privacyUrl: undefined,
    termsUrl: undefined,
  },
  '/assets',
);

/** Locals every view gets besides its own. */
export interface PageLocals {
  title: Text;
  [name: string]: unknown;
}

/** The brand of this request's pages. */
export function brandOf(ctx: Context): PageBrand {
  return (ctx.state as { brand?: PageBrand }).brand ?? DEFAULT_BRAND;
}

/**
 * The language of this request's page: `ui_locales` of the sign-in it belongs to (set on
 * ctx.state by the interaction routes, or the engine's own parameters), else Accept-Language.
 * Sets Content-Language, and Vary so that caches keep the languages apart.
 */
export function languageOf(ctx: Context): Translator {
  const state = ctx.state as { uiLocales?: unknown; translator?: Translator };
  if (state.translator) return state.translator;
  const oidc = (ctx as { oidc?: { params?: Record<string, unknown> } }).oidc;
  const locale = chooseLocale(
    state.uiLocales ?? oidc?.params?.ui_locales,
    ctx.get('accept-language') || undefined,
  );
  ctx.set('Content-Language', locale);
  ctx.vary('Accept-Language');
  return (state.translator = translator(locale, brandOf(ctx).name));
}

/** The locals of language and brand that every view (ours and the account page's) uses. */
export function pageBasics(ctx: Context): Record<string, unknown> {
  const language = languageOf(ctx);
  return {
    brand: brandOf(ctx),
    lang: language.locale,
    dir: language.dir,
    t: language.t,
    parts: language.parts,
  };
}

/** Renders `view` into the response as HTML (koa-views' ctx.render, installed by the app). */
export async function renderPage(ctx: Context, view: string, locals: PageLocals): Promise<void> {
  if (typeof ctx.render !== 'function') throw new Error('views are not installed on this context');
  const { basePath = '' } = ctx.state as { basePath?: string };
  await ctx.render(view, {
    basePath,
    assetsPath: `${basePath}/assets`,
    ...pageBasics(ctx),
    ...locals,
  });
  ctx.type = 'html';
}
