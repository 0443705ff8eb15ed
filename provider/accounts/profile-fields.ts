// The standard claims (OIDC Core §5.1) an account can hold besides its username, email and groups:
// each with the claim it is released as, the CLI option that sets it, and how a value is checked
// and written down. One table, so the store, the CLI and the released claims cannot disagree.
import type { Account, PostalAddress } from '../../adapters/store.ts';
import { ValidationError } from '../errors.ts';

const MAX_TEXT = 200;
const MAX_URL = 2048;

type Check = (value: string, field: string) => string;

/** Printable text of at most MAX_TEXT characters (newlines allowed where `multiline`). */
function text(multiline = false): Check {
  return (raw, field) => {
    const value = multiline ? raw.replace(/\\n/g, '\n') : raw;
    const control = multiline ? /[^\P{Cc}\n]/u : /\p{Cc}/u;
    if (value.length > MAX_TEXT || control.test(value)) {
      throw new ValidationError(field, `${field} must be at most ${MAX_TEXT} printable characters`);
    }
    return value;
  };
}

const httpUrl: Check = (value, field) => {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['https:', 'http:'].includes(url.protocol) || value.length > MAX_URL) {
    throw new ValidationError(field, `${field} must be an absolute http(s) URL (got "${value}")`);
  }
  return url.href;
};

// YYYY-MM-DD, 0000-MM-DD (year withheld) or YYYY (year only), as OIDC Core §5.1 allows.
const birthdate: Check = (value, field) => {
  const match = /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(value);
  const refuse = () =>
    new ValidationError(field, `${field} must be YYYY-MM-DD, 0000-MM-DD or YYYY (got "${value}")`);
  if (!match) throw refuse();
  const [, year, month, day] = match;
  if (month === undefined || day === undefined) return value;
  // Year 0000 means "withheld": check the day against a leap year so 0000-02-29 is allowed.
  const date = new Date(Date.UTC(year === '0000' ? 2000 : Number(year), Number(month) - 1, 1));
  date.setUTCDate(Number(day));
  if (date.getUTCMonth() !== Number(month) - 1 || Number(day) < 1) throw refuse();
  return value;
};

// A time zone database name (Europe/Paris, UTC, America/Argentina/Buenos_Aires), not an offset.
const zoneinfo: Check = (value, field) => {
  const named = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(value);
  try {
    if (named) return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    // not a zone this runtime knows
  }
  throw new ValidationError(
    field,
    `${field} must be a time zone name like Europe/Paris (got "${value}")`,
  );
};

// A BCP 47 language tag (en-US, fr-CA), stored in its canonical spelling.
const locale: Check = (value, field) => {
  try {
    const [canonical] = Intl.getCanonicalLocales(value);
    if (canonical) return canonical;
  } catch {
    // not a language tag
  }
  throw new ValidationError(field, `${field} must be a language tag like en-US (got "${value}")`);
};

// E.164 (+ country code and number), as OIDC Core recommends; spaces, dots, dashes and brackets in
// the input are dropped. An extension may follow as `;ext=1234` (RFC 3966).
const phone: Check = (value, field) => {
  const compact = value.replace(/[\s.()-]/g, '');
  if (!/^\+[1-9]\d{1,14}(?:;ext=\d{1,10})?$/.test(compact)) {
    throw new ValidationError(
      field,
      `${field} must be an international number like +44 20 7946 0958 (got "${value}")`,
    );
  }
  return compact;
};

/** One string field of an account: its claim, its CLI option, and its check. */
export interface ProfileField {
  readonly claim: string;
  readonly option: string;
  readonly help: string;
  readonly check: Check;
}

/** The string fields of an account, by their name in Account. */
export const PROFILE_FIELDS = {
  name: { claim: 'name', option: 'name', help: 'full name', check: text() },
  givenName: {
    claim: 'given_name',
    option: 'given-name',
    help: 'given (first) name',
    check: text(),
  },
  familyName: {
    claim: 'family_name',
    option: 'family-name',
    help: 'family (last) name',
    check: text(),
  },
  middleName: { claim: 'middle_name', option: 'middle-name', help: 'middle name', check: text() },
  nickname: { claim: 'nickname', option: 'nickname', help: 'casual name', check: text() },
  profile: {
    claim: 'profile',
    option: 'profile-url',
    help: 'URL of their profile page',
    check: httpUrl,
  },
  picture: { claim: 'picture', option: 'picture', help: 'URL of their picture', check: httpUrl },
  website: { claim: 'website', option: 'website', help: 'URL of their web site', check: httpUrl },
  gender: { claim: 'gender', option: 'gender', help: 'gender, in their words', check: text() },
  birthdate: {
    claim: 'birthdate',
    option: 'birthdate',
    help: 'YYYY-MM-DD, 0000-MM-DD or YYYY',
    check: birthdate,
  },
  zoneinfo: {
    claim: 'zoneinfo',
    option: 'zoneinfo',
    help: 'time zone, e.g. Europe/Paris',
    check: zoneinfo,
  },
  locale: { claim: 'locale', option: 'locale', help: 'language tag, e.g. en-US', check: locale },
  phoneNumber: {
    claim: 'phone_number',
    option: 'phone',
    help: 'phone number with country code, e.g. +44 20 7946 0958',
    check: phone,
  },
} as const satisfies Record<string, ProfileField>;

export type ProfileFieldName = keyof typeof PROFILE_FIELDS;

/** The parts of a postal address (OIDC Core §5.1.1), by their name in PostalAddress. */
export const ADDRESS_FIELDS = {
  formatted: {
    claim: 'formatted',
    option: 'address-formatted',
    help: 'the whole address as printed (newlines as \\n)',
    check: text(true),
  },
  streetAddress: {
    claim: 'street_address',
    option: 'address-street',
    help: 'street address (newlines as \\n)',
    check: text(true),
  },
  locality: { claim: 'locality', option: 'address-locality', help: 'city', check: text() },
  region: {
    claim: 'region',
    option: 'address-region',
    help: 'state, province or region',
    check: text(),
  },
  postalCode: {
    claim: 'postal_code',
    option: 'address-postal-code',
    help: 'postal code',
    check: text(),
  },
  country: { claim: 'country', option: 'address-country', help: 'country', check: text() },
} as const satisfies Record<keyof PostalAddress, ProfileField>;

/** `value` trimmed and checked as `field`; undefined for an empty value (which clears the field). */
export function checkField(spec: ProfileField, field: string, value: string | undefined) {
  const trimmed = value?.trim();
  return trimmed ? spec.check(trimmed, field) : undefined;
}

/** The address with its parts checked; undefined when no part is left. */
export function checkAddress(address: PostalAddress | undefined): PostalAddress | undefined {
  const result: PostalAddress = {};
  for (const [field, spec] of Object.entries(ADDRESS_FIELDS)) {
    const value = checkField(spec, `address.${field}`, address?.[field as keyof PostalAddress]);
    if (value !== undefined) result[field as keyof PostalAddress] = value;
  }
  return Object.keys(result).length ? result : undefined;
}

/** The standard claims of `account`'s profile fields and address (absent ones left out). */
export function profileClaims(account: Account): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(PROFILE_FIELDS)) {
    const value = account[field as ProfileFieldName];
    if (value !== undefined) claims[spec.claim] = value;
  }
  if (account.phoneNumber !== undefined) {
    claims.phone_number_verified = account.phoneNumberVerified ?? false;
  }
  if (account.address) {
    const address: Record<string, string> = {};
    for (const [field, spec] of Object.entries(ADDRESS_FIELDS)) {
      const value = account.address[field as keyof PostalAddress];
      if (value !== undefined) address[spec.claim] = value;
    }
    claims.address = address;
  }
  return claims;
}
