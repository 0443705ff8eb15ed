// oidc-provider's interaction policy (its documented `interactions.policy`), with one check added to
// the login prompt: a session signed in with a password only must sign in again (step-up) where a
// second factor is needed: the account has one or requires one, its group or the application
// requires one, or the application asks for it with `acr_values` (see factors/policy.ts). The
// interaction pages then ask only for the second factor of the session's account.
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { Store } from '../../adapters/store.ts';
import { ACR_VALUES } from '../../client-sdk/node/src/contract.ts';
import { SecondFactors } from '../factors/second-factors.ts';
import { secondFactorRequired } from '../factors/policy.ts';
import { storeCall } from './outage.ts';

/** The reason the login prompt gives when a second factor is missing. */
export const SECOND_FACTOR_REASON = 'second_factor';

/** Reasons of the login prompt that a second factor for the session's account answers. */
export const STEP_UP_REASONS: ReadonlySet<string> = new Set([
  SECOND_FACTOR_REASON,
  'essential_acr',
  'essential_acrs',
]);

/** The interaction policy: the engine's own, and the second-factor check. */
export function interactionPolicyWithSecondFactor(
  store: Store,
  mfaGroups: readonly string[],
): ReturnType<typeof interactionPolicy.base> {
  const { Check, base } = interactionPolicy;
  const policy = base();
  policy.get('login')!.checks.add(
    new Check(
      SECOND_FACTOR_REASON,
      'a second factor is required',
      async (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        const accountId = oidc.session?.accountId;
        // No session is the engine's own check; a result just given was checked by our pages.
        if (!accountId || oidc.result?.login || oidc.acr === ACR_VALUES.multiFactor) {
          return Check.NO_NEED_TO_PROMPT;
        }
        const [account, client] = await storeCall(() =>
          Promise.all([store.accounts.get(accountId), store.clients.get(oidc.client!.clientId)]),
        );
        if (!account) return Check.NO_NEED_TO_PROMPT;
        const needed =
          SecondFactors.has(account) ||
          secondFactorRequired(account, client, oidc.params ?? {}, mfaGroups);
        return needed ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
    ),
  );
  return policy;
}
