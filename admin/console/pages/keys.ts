// Console page for the signing keys: pending, active, retired and expired keys with their dates,
// and a rotation (new keys published now, signing after a delay of the administrator's choice).
import type { PageRouter } from '../console.ts';
import { text } from '../forms.ts';

/** The delays an administrator can choose between publishing new keys and signing with them. */
const DELAYS: Record<string, number> = { '0': 0, '3600': 3600, '86400': 86400 };

/** Registers the key pages. */
export function keyPages(pages: PageRouter): void {
  pages.get('/keys', async ({ admin, render }) => {
    await render('keys', { title: 'Signing keys', nav: 'keys', keys: await admin.keys.list() });
  });
  pages.post('/keys/rotate', async ({ form, admin, redirect }) => {
    const delay = DELAYS[text(form, 'activateAfter')] ?? 3600;
    const rotation = await admin.keys.rotate(delay);
    redirect(
      '/keys',
      `New keys ${rotation.added.join(', ')} are published and sign from ${rotation.activatesAt}.`,
    );
  });
}
