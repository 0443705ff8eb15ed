// What a single-use link (links.ts) is worth when someone opens it. A link that is not valid says
// why, in the words the pages use and with the HTTP status that fits.

/** A link that cannot be used: why. */
export type DeadLink =
  /** Not shaped like any link SSO sends (cut off when copied, say): 400. */
  | { state: 'malformed' }
  /** Shaped like one but not one SSO has, or not any more (replaced, its account changed): 403. */
  | { state: 'unknown' }
  /** Its time is over: 410. */
  | { state: 'expired' }
  /** It has done its one job: 410. */
  | { state: 'used' };

/** The HTTP status of a page about `link`. */
export function deadLinkStatus(link: DeadLink): number {
  switch (link.state) {
    case 'malformed':
      return 400;
    case 'unknown':
      return 403;
    case 'expired':
    case 'used':
      return 410;
  }
}

/** Whether `value` is a dead link rather than a usable one. */
export function isDead<T extends { state: string }>(value: T | DeadLink): value is DeadLink {
  return ['malformed', 'unknown', 'expired', 'used'].includes(value.state);
}
