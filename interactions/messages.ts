// What people are told when they must wait before trying again (in plain words, the same whether
// or not the account exists), and the words of SSO's own refusals, as texts of the catalogues.
import { COMMON_PASSWORD_MESSAGE } from '../provider/accounts/password-policy.ts';
import type { RefusalReason } from '../provider/security/sign-in-guard.ts';
import type { Text } from './i18n/locales.ts';

/** The sentence for a refusal (or a wait after a failure), with the time in words. */
export function retryMessage(reason: RefusalReason | 'wait', seconds: number): Text {
  const values = { time: { seconds } };
  switch (reason) {
    case 'wait':
      return { key: 'retry.wait', values };
    case 'delay':
      return { key: 'retry.delay', values };
    case 'locked':
      return { key: 'retry.locked', values };
    case 'address':
      return { key: 'retry.address', values };
  }
}

/**
 * A refusal of SSO's rules (a ValidationError's message) as a text: the ones people meet on the
 * pages are in the catalogues; any other is shown as it is, as a sentence.
 */
export function ruleText(message: string): Text {
  if (message === COMMON_PASSWORD_MESSAGE) return 'password.common';
  const length = /^password must be (\d+) to (\d+) characters long$/.exec(message);
  if (length) {
    return { key: 'password.length', values: { min: Number(length[1]), max: Number(length[2]) } };
  }
  if (message === 'start setting up the authenticator app again') return 'totp.startAgain';
  if (message.startsWith('that code is not the current one')) return 'totp.notCurrent';
  if (/^".*" is not an email address$/s.test(message)) return 'rule.emailInvalid';
  if (message === 'an email address is needed') return 'rule.emailNeeded';
  if (message.startsWith('username must be 1-64 characters')) return 'rule.username';
  const passkeys = /^at most (\d+) passkeys per account$/.exec(message);
  if (passkeys) return { key: 'rule.passkeyLimit', values: { max: Number(passkeys[1]) } };
  if (message === 'the passkey could not be verified; try again') return 'rule.passkeyUnverified';
  if (message === 'this passkey is registered already') return 'rule.passkeyTaken';
  return { raw: sentence(message) };
}

/** An error message as a sentence on a page: capitalized, with a full stop. */
export function sentence(text: string): string {
  const capitalized = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capitalized) ? capitalized : `${capitalized}.`;
}
