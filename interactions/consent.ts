// What a consent page shows and what accepting it grants, from oidc-provider's prompt details.
import type { InteractionResults } from 'oidc-provider';
import type Provider from 'oidc-provider';
import type { Apis } from '../provider/apis/apis.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

/** People-readable descriptions of the OpenID Connect scopes. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'Your name, username and profile',
  email: 'Your email address',
  phone: 'Your phone number',
  address: 'Your postal address',
  groups: 'The groups you belong to',
  offline_access: 'Stay connected when you are not using it',
};

/** People-readable names of single claims an app may ask for with the `claims` parameter. */
const CLAIM_DESCRIPTIONS: Record<string, string> = {
  email: 'Your email address',
  email_verified: 'Whether your email address is verified',
  phone_number: 'Your phone number',
  phone_number_verified: 'Whether your phone number is verified',
  address: 'Your postal address',
  groups: 'The groups you belong to',
  birthdate: 'Your date of birth',
  gender: 'Your gender',
};

export interface ConsentView {
  scopes: string[];
  apis: { name: string; scopes: string[] }[];
}

/** The scopes and API permissions a consent page lists. */
export async function consentView(registry: Apis, details: Details): Promise<ConsentView> {
  const prompt = details.prompt.details as {
    missingOIDCScope?: string[];
    missingOIDCClaims?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const scopes = [
    ...(prompt.missingOIDCScope ?? []).map((scope) => SCOPE_DESCRIPTIONS[scope] ?? scope),
    ...(prompt.missingOIDCClaims ?? []).map(
      (claim) => CLAIM_DESCRIPTIONS[claim] ?? claimName(claim),
    ),
  ];
  const apis = await Promise.all(
    Object.entries(prompt.missingResourceScopes ?? {}).map(async ([audience, granted]) => ({
      name: (await registry.get(audience))?.name ?? audience,
      scopes: granted,
    })),
  );
  return { scopes: [...new Set(scopes)], apis };
}

// `given_name` → "Your given name".
function claimName(claim: string): string {
  return `Your ${claim.replace(/_/g, ' ')}`;
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
