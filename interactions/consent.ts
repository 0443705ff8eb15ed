// What a consent page shows and what accepting it grants, from oidc-provider's prompt details.
import type { InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Apis } from '../provider/apis/apis.ts';
import type { MessageKey, Text } from './i18n/locales.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** People-readable descriptions of the OpenID Connect scopes, in the catalogues. */
const SCOPE_DESCRIPTIONS: Record<string, MessageKey> = {
  openid: 'scope.openid',
  profile: 'scope.profile',
  email: 'scope.email',
  phone: 'scope.phone',
  address: 'scope.address',
  groups: 'scope.groups',
  offline_access: 'scope.offline_access',
};

/** People-readable names of single claims an app may ask for with the `claims` parameter. */
const CLAIM_DESCRIPTIONS: Record<string, MessageKey> = {
  email: 'scope.email',
  email_verified: 'claim.email_verified',
  phone_number: 'scope.phone',
  phone_number_verified: 'claim.phone_number_verified',
  address: 'scope.address',
  groups: 'scope.groups',
  birthdate: 'claim.birthdate',
  gender: 'claim.gender',
};

export interface ConsentView {
  scopes: Text[];
  apis: { name: string; scopes: string[] }[];
}

/** The scopes and API permissions a consent page lists. */
export async function consentView(registry: Apis, details: Details): Promise<ConsentView> {
  const prompt = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const scopes: Text[] = [
    ...(prompt.missingOIDCScope ?? []).map(
      (scope): Text => SCOPE_DESCRIPTIONS[scope] ?? { raw: scope },
    ),
    ...(prompt.missingOIDCClaims ?? []).map(
      (claim): Text =>
        CLAIM_DESCRIPTIONS[claim] ?? {
          key: 'claim.other',
          values: { claim: claim.replace(/_/g, ' ') },
        },
    ),
  ];
  const apis = await Promise.all(
    Object.entries(prompt.missingResourceScopes ?? {}).map(async ([audience, granted]) => ({
      name: (await registry.get(audience))?.name ?? audience,
      scopes: granted,
    })),
  );
  // The same description once, whether asked as a scope or a claim.
  const seen = new Set<string>();
  const unique = scopes.filter((text) => {
    const id = JSON.stringify(text);
    return !seen.has(id) && Boolean(seen.add(id));
  });
  return { scopes: unique, apis };
}

/** Grants everything the consent prompt asks for and answers the interaction result. */
export async function grantConsent(
  provider: Provider,
  details: Details,
): Promise<InteractionResults> {
  const { accountId } = details.session ?? {};
  const clientId = String(details.params.client_id);
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: accountId!, clientId });
  if (!grant) throw new Error('grant of this interaction no longer exists');
  const prompt = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
  if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return { consent: details.grantId ? {} : { grantId } };
}
