// Renders a page from interactions/views with the locals every page needs.
import type { Context } from 'koa';
import { pageBrand, type PageBrand } from './branding.ts';

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
  title: string;
  [name: string]: unknown;
}

/** Renders `view` into the response as HTML (koa-views' ctx.render, installed by the app). */
export async function renderPage(ctx: Context, view: string, locals: PageLocals): Promise<void> {
  if (typeof ctx.render !== 'function') throw new Error('views are not installed on this context');
  const { basePath = '', brand } = ctx.state as { basePath?: string; brand?: PageBrand };
  await ctx.render(view, {
    basePath,
    assetsPath: `${basePath}/assets`,
    brand: brand ?? DEFAULT_BRAND,
    ...locals,
  });
  ctx.type = 'html';
}
